"use strict";

// Starts ReDoc on the API schema. Loaded as a file: the page's CSP allows scripts from 'self' only.
(function () {
  // ReDoc's sidebar footer shows Redocly's logo from their CDN. This page loads nothing from
  // elsewhere, so images from other sites become a blank one instead of a request the CSP refuses.
  const BLANK = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E";
  const local = (url) => (/^https?:/i.test(String(url)) && new URL(url).origin !== location.origin ? BLANK : url);
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    ...src,
    set(url) {
      src.set.call(this, local(url));
    },
  });
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    const isImageSource = this instanceof HTMLImageElement && name.toLowerCase() === "src";
    return setAttribute.call(this, name, isImageSource ? local(value) : value);
  };

  // The nonce on this script tag is the page's CSP nonce: ReDoc puts it on the <style> elements it injects.
  const nonce = document.currentScript && document.currentScript.nonce;
  const container = document.getElementById("redoc-container");
  Redoc.init(container.dataset.specUrl, { nonce: nonce || undefined }, container);
})();

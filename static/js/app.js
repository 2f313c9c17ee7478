// Small enhancements shared by every page. The pages work without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");

  // The language switcher changes language as soon as a language is chosen.
  for (const form of document.querySelectorAll("form[data-auto-submit]")) {
    const select = form.querySelector("select");
    if (select) {
      select.addEventListener("change", () => form.submit());
    }
  }
});

// Possible duplicates: step through the queue and decide with the keyboard. The pages work without it:
// every key stands for a link or a button that is on the page.
//
// On a pair: s "Same person", d "Different people", u "Un-merge"; j or the arrow towards the end of
// the line for the next pair, k or the other arrow for the previous one (left and right swap in a
// right-to-left page). On the queue: j / k (or the arrows down / up) move between pairs, Enter opens.
"use strict";

(() => {
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function pairKeys(event, decision) {
    const rtl = document.documentElement.dir === "rtl";
    const next = ["j", rtl ? "ArrowLeft" : "ArrowRight"];
    const previous = ["k", rtl ? "ArrowRight" : "ArrowLeft"];
    const buttons = { s: "same", d: "different", u: "unmerge" };
    if (buttons[event.key]) {
      const button = decision && decision.querySelector(`button[data-decision="${buttons[event.key]}"]`);
      if (button) {
        event.preventDefault();
        button.click();
      }
      return;
    }
    const link = next.includes(event.key)
      ? document.querySelector("a[data-next-pair]")
      : previous.includes(event.key)
        ? document.querySelector("a[data-previous-pair]")
        : null;
    if (link) {
      event.preventDefault();
      link.click();
    }
  }

  function queueKeys(event, queue) {
    const links = Array.from(queue.querySelectorAll("a[data-pair-link]"));
    const current = links.indexOf(document.activeElement);
    let step = 0;
    if (event.key === "j" || event.key === "ArrowDown") {
      step = 1;
    } else if (event.key === "k" || event.key === "ArrowUp") {
      step = -1;
    }
    if (step === 0 || links.length === 0) {
      return;
    }
    event.preventDefault();
    const index = current === -1 ? 0 : Math.min(Math.max(current + step, 0), links.length - 1);
    links[index].focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const decision = document.querySelector("form[data-pair-decision]");
    const queue = document.querySelector("[data-duplicate-queue]");
    if (!decision && !queue) {
      return;
    }
    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
        return;
      }
      if (decision) {
        pairKeys(event, decision);
      } else {
        queueKeys(event, queue);
      }
    });
  });
})();

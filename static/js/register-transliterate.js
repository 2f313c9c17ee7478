// Registration page: a name typed in Dari or Pashto script suggests its Latin spelling, and a Latin
// name (when every word is a known name) its Dari spelling. The suggestion fills the other box only
// while that box is empty or still holds an earlier suggestion, is marked as a suggestion until the
// officer edits it, and is never sent anywhere but this app (posted, like the matches).
"use strict";

(() => {
  const NAMES = ["given_name", "fathers_name", "family_name"];

  function counterpart(input) {
    const match = input.name.match(/^(.*-)(given_name|fathers_name|family_name)(_local)?$/);
    if (!match) {
      return null;
    }
    const otherName = match[3] ? `${match[1]}${match[2]}` : `${match[1]}${match[2]}_local`;
    return { other: input.form.elements.namedItem(otherName), to: match[3] ? "latin" : "local" };
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-transliterate-url]");
    if (!form) {
      return;
    }
    const url = form.dataset.transliterateUrl;
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

    form.addEventListener("input", (event) => {
      // The officer's own spelling is no longer a suggestion.
      if (event.target.dataset.suggested !== undefined) {
        delete event.target.dataset.suggested;
      }
    });

    form.addEventListener("change", async (event) => {
      const input = event.target;
      if (!(input instanceof HTMLInputElement) || !NAMES.some((name) => input.name.includes(name))) {
        return;
      }
      const pair = counterpart(input);
      if (!pair || !pair.other || !input.value.trim()) {
        return;
      }
      if (pair.other.value.trim() && pair.other.dataset.suggested === undefined) {
        return; // typed by the officer: never overwritten
      }
      const body = new FormData();
      body.append("text", input.value);
      body.append("to", pair.to);
      body.append("csrfmiddlewaretoken", csrf.value);
      try {
        const response = await fetch(url, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
        });
        if (!response.ok) {
          return;
        }
        const { suggestion } = await response.json();
        if (suggestion && (!pair.other.value.trim() || pair.other.dataset.suggested !== undefined)) {
          pair.other.value = suggestion;
          pair.other.dataset.suggested = "";
        }
      } catch {
        // No suggestion: the officer types both spellings.
      }
    });
  });
})();

// Registration page: likely matches of each member, from both agencies, shown while the officer types.
//
// After a pause in typing (300 ms) a member's names, sex, age or date of birth and document numbers are
// posted to the page's matches address (form[data-matches-url]); the HTML fragment that comes back
// (the "member-matches" partial) replaces the member's [data-matches] box: each candidate with a
// "This is the same person" radio and "A new person" (chosen unless the officer chose someone). Those
// inputs are part of the member's row, so they are posted with the registration. Without JavaScript
// no matches are shown and the registration records no decision.
"use strict";

(() => {
  const PAUSE_MS = 300;
  const SOUGHT_FIELDS = [
    "given_name",
    "fathers_name",
    "family_name",
    "given_name_local",
    "fathers_name_local",
    "family_name_local",
    "date_of_birth",
    "estimated_age",
  ];
  const SOUGHT = new RegExp(`-(${SOUGHT_FIELDS.join("|")}|sex|document_\\d+_number)$`);

  function init(form) {
    const url = form.dataset.matchesUrl;
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    const list = form.querySelector("[data-member-list]");
    if (!url || !csrf || !list) {
      return;
    }
    // Per member row: the pending timer, the request in flight, and what was last asked.
    const state = new WeakMap();

    function rowPrefix(row) {
      const given = row.querySelector("input[name$='-given_name']");
      return given ? given.name.replace(/-given_name$/, "") : "";
    }

    function value(row, prefix, name) {
      const input = row.querySelector(`[name="${prefix}-${name}"]`);
      return input ? input.value.trim() : "";
    }

    function sought(row) {
      const prefix = rowPrefix(row);
      const body = new URLSearchParams();
      body.append("row", prefix);
      for (const name of SOUGHT_FIELDS) {
        body.append(name, value(row, prefix, name));
      }
      const sex = row.querySelector(`input[name="${prefix}-sex"]:checked`);
      body.append("sex", sex ? sex.value : "");
      for (const number of row.querySelectorAll(`input[name^="${prefix}-document_"][name$="_number"]`)) {
        if (number.value.trim()) {
          body.append("document_number", number.value.trim());
        }
      }
      return body;
    }

    function worthAsking(body) {
      return Boolean(body.get("given_name") || body.get("given_name_local") || body.get("document_number"));
    }

    async function look(row) {
      const box = row.querySelector("[data-matches]");
      if (!box) {
        return;
      }
      const rowState = state.get(row) || {};
      const body = sought(row);
      const question = body.toString();
      if (question === rowState.asked) {
        settled(box, rowState);
        return;
      }
      rowState.asked = question;
      if (rowState.inFlight) {
        rowState.inFlight.abort();
        rowState.inFlight = undefined;
      }
      if (!worthAsking(body)) {
        box.replaceChildren();
        state.set(row, rowState);
        settled(box, rowState);
        return;
      }
      // The officer's choice so far is kept when the matches are looked up again.
      const chosen = box.querySelector(
        "input[name$='-same_person_as']:checked, input[type=hidden][name$='-same_person_as']",
      );
      body.append("same_person_as", chosen ? chosen.value : "");
      body.append("csrfmiddlewaretoken", csrf.value);
      const controller = new AbortController();
      rowState.inFlight = controller;
      state.set(row, rowState);
      try {
        const response = await fetch(url, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
          signal: controller.signal,
        });
        if (!response.ok) {
          return; // no matches shown; the registration still works
        }
        box.innerHTML = await response.text();
      } catch (error) {
        if (error.name !== "AbortError") {
          rowState.asked = undefined; // ask again on the next keystroke
        }
      } finally {
        if (rowState.inFlight === controller) {
          rowState.inFlight = undefined;
          settled(box, rowState);
        }
      }
    }

    // The box is busy (aria-busy) from the first keystroke until the matches for what is typed are shown.
    function settled(box, rowState) {
      if (!rowState.inFlight && !rowState.waiting) {
        box.removeAttribute("aria-busy");
      }
    }

    function later(row) {
      const rowState = state.get(row) || {};
      const box = row.querySelector("[data-matches]");
      if (box) {
        box.setAttribute("aria-busy", "true");
      }
      clearTimeout(rowState.timer);
      rowState.waiting = true;
      rowState.timer = setTimeout(() => {
        rowState.waiting = false;
        look(row);
      }, PAUSE_MS);
      state.set(row, rowState);
    }

    function onEdit(event) {
      const target = event.target;
      if (!target.name || !SOUGHT.test(target.name)) {
        return;
      }
      const row = target.closest("[data-member]");
      if (row) {
        later(row);
      }
    }

    list.addEventListener("input", onEdit);
    list.addEventListener("change", onEdit);

    // A page sent back with a problem: the members typed get their matches again (the choice kept).
    for (const row of list.querySelectorAll(":scope > [data-member]")) {
      if (worthAsking(sought(row))) {
        look(row);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-register-form][data-matches-url]")) {
      init(form);
    }
  });
})();

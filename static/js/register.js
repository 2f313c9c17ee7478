// The registration page's form: member rows (below), each member's likely matches while typing,
// and the suggested spelling of names in the other script. One file: a tablet on a slow link opens
// the page with one request for all three.
//
// Registration page: add and remove member rows of the Django formset without losing anything typed.
//
// A new row is a copy of the formset's empty form (the <template data-member-template>), whose
// names and ids hold "__prefix__". Removing a row renumbers the rows after it, so the formset
// always posts members-0 ... members-(n-1) and the row numbers shown match the server's messages.
"use strict";

(() => {
  const PREFIX = "members";
  const FIELD_PATTERN = new RegExp(`^(id_)?${PREFIX}-(\\d+|__prefix__)-`);

  function init(form) {
    const list = form.querySelector("[data-member-list]");
    const template = form.querySelector("template[data-member-template]");
    const addButton = form.querySelector("[data-add-member]");
    const totalForms = form.querySelector(`input[name="${PREFIX}-TOTAL_FORMS"]`);
    const maxForms = form.querySelector(`input[name="${PREFIX}-MAX_NUM_FORMS"]`);
    if (!list || !template || !addButton || !totalForms) {
      return;
    }

    const rows = () => Array.from(list.querySelectorAll(":scope > [data-member]"));

    function renumber(value, index) {
      return value.replace(FIELD_PATTERN, (_match, idPrefix) => `${idPrefix || ""}${PREFIX}-${index}-`);
    }

    function renumberRow(row, index) {
      for (const element of row.querySelectorAll("[name], [id], label[for], [aria-describedby]")) {
        for (const attribute of ["name", "id", "for", "aria-describedby"]) {
          const value = element.getAttribute(attribute);
          if (value) {
            const renumbered = value
              .split(" ")
              .map((part) => renumber(part, index))
              .join(" ");
            if (renumbered !== value) {
              element.setAttribute(attribute, renumbered);
            }
          }
        }
      }
      const number = row.querySelector("[data-member-number]");
      if (number) {
        number.textContent = String(index + 1);
      }
    }

    function refresh() {
      const current = rows();
      current.forEach(renumberRow);
      totalForms.value = String(current.length);
      // A household keeps at least one member row.
      for (const button of list.querySelectorAll("[data-remove-member]")) {
        button.disabled = current.length <= 1;
      }
      if (maxForms) {
        addButton.disabled = current.length >= Number(maxForms.value);
      }
    }

    function addMember() {
      const fragment = template.content.cloneNode(true);
      const row = fragment.querySelector("[data-member]");
      list.appendChild(fragment);
      for (const documentBox of row.querySelectorAll("[data-document]")) {
        updateDocument(documentBox, false);
      }
      refresh();
      const firstInput = row.querySelector("input, select");
      if (firstInput) {
        firstInput.focus();
      }
    }

    addButton.addEventListener("click", addMember);

    list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove-member]");
      if (!button) {
        return;
      }
      const row = button.closest("[data-member]");
      if (row && rows().length > 1) {
        row.remove();
        refresh();
        addButton.focus();
      }
    });

    // Choosing a document type suggests its usual issuing country; the "expired" confirmation
    // only concerns refugee cards, so it stays out of the way for other documents.
    function updateDocument(documentBox, suggestIssuer) {
      const select = documentBox.querySelector("select[data-document-type]");
      const option = select && select.selectedOptions[0];
      const issuer = documentBox.querySelector("select[data-document-issuer]");
      if (suggestIssuer && option && issuer && !issuer.value && option.dataset.issuer) {
        issuer.value = option.dataset.issuer;
      }
      const confirm = documentBox.querySelector(".document__confirm");
      if (confirm) {
        const checkbox = confirm.querySelector("input[type=checkbox]");
        const isRefugeeCard = Boolean(option) && option.dataset.refugeeCard === "true";
        confirm.hidden =
          !isRefugeeCard && !(checkbox && checkbox.checked) && !confirm.classList.contains("field--invalid");
      }
    }

    list.addEventListener("change", (event) => {
      if (event.target.matches("select[data-document-type]")) {
        updateDocument(event.target.closest("[data-document]"), true);
      }
    });

    // District options follow the chosen province.
    const province = form.querySelector("select[name='destination_province']");
    const district = form.querySelector("select[name='destination_district']");
    function filterDistricts() {
      if (!province || !district) {
        return;
      }
      for (const option of district.querySelectorAll("option[data-province]")) {
        option.hidden = Boolean(province.value) && option.dataset.province !== province.value;
      }
      const chosen = district.selectedOptions[0];
      if (chosen && chosen.hidden) {
        district.value = "";
      }
    }
    if (province) {
      province.addEventListener("change", filterDistricts);
      filterDistricts();
    }

    for (const documentBox of list.querySelectorAll("[data-document]")) {
      updateDocument(documentBox, false);
    }
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-register-form]")) {
      init(form);
    }
  });
})();

// Registration page: likely matches of each member, from both agencies, shown while the officer types.
//
// After a pause in typing (300 ms) a member's names, sex, age or date of birth and document numbers are
// posted to the page's matches address (form[data-matches-url]); the HTML fragment that comes back
// (the "member-matches" partial) replaces the member's [data-matches] box: each candidate with a
// "This is the same person" radio and "A new person" (chosen unless the officer chose someone). Those
// inputs are part of the member's row, so they are posted with the registration. Without JavaScript
// no matches are shown and the registration records no decision.

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

// Registration page: a name typed in Dari or Pashto script suggests its Latin spelling, and a Latin
// name (when every word is a known name) its Dari spelling. The suggestion fills the other box only
// while that box is empty or still holds an earlier suggestion, is marked as a suggestion until the
// officer edits it, and is never sent anywhere but this app (posted, like the matches).

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
        // Never into the box the officer is typing in: the suggestion would land under their cursor.
        const typingThere = document.activeElement === pair.other;
        if (suggestion && !typingThere && (!pair.other.value.trim() || pair.other.dataset.suggested !== undefined)) {
          pair.other.value = suggestion;
          pair.other.dataset.suggested = "";
        }
      } catch {
        // No suggestion: the officer types both spellings.
      }
    });
  });
})();

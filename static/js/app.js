// Small enhancements shared by every page. The pages work without them.
"use strict";

(() => {
  const NOT_KEPT = new Set(["hidden", "password", "file", "submit", "button", "reset"]);

  // A form's typed fields as [name, value] pairs (what the form would send, hidden fields left out).
  function typedPairs(form) {
    const pairs = [];
    for (const element of form.elements) {
      if (!element.name || NOT_KEPT.has(element.type) || element.disabled) {
        continue;
      }
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked) {
          pairs.push([element.name, element.value]);
        }
      } else if (element.tagName === "SELECT" && element.multiple) {
        for (const option of element.selectedOptions) {
          pairs.push([element.name, option.value]);
        }
      } else {
        pairs.push([element.name, element.value]);
      }
    }
    return pairs;
  }

  // Puts [name, value] pairs back into a form: rows the page adds on demand (a household's members)
  // are added first, then every field takes its value (boxes and options not in the pairs are cleared).
  function restorePairs(form, pairs) {
    // A row's fields are named "<prefix>-<number>-<field>": rows are added until the row exists (a
    // field of an existing row that is not on the page, such as a match no longer shown, adds none).
    const rowOf = (name) => (/^(.+-\d+)-[^-]+$/.exec(name) || [])[1];
    const rowThere = (row) => Array.from(form.elements).some((element) => element.name.startsWith(`${row}-`));
    const addRow = form.querySelector("[data-add-member], [data-add-row]");
    for (const row of new Set(pairs.map(([name]) => rowOf(name)).filter(Boolean))) {
      let guard = 0;
      while (!rowThere(row) && addRow && !addRow.disabled && guard < 200) {
        addRow.click();
        guard += 1;
      }
    }
    const values = new Map();
    for (const [name, value] of pairs) {
      values.set(name, [...(values.get(name) || []), value]);
    }
    for (const element of form.elements) {
      if (!element.name || NOT_KEPT.has(element.type) || !values.has(element.name)) {
        if ((element.type === "checkbox" || element.type === "radio") && element.name && !values.has(element.name)) {
          element.checked = false;
        }
        continue;
      }
      const given = values.get(element.name);
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = given.includes(element.value);
      } else if (element.tagName === "SELECT" && element.multiple) {
        for (const option of element.options) {
          option.selected = given.includes(option.value);
        }
      } else {
        element.value = given.shift() ?? "";
      }
      element.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  window.ReturnsForms = { typedPairs, restorePairs };

  // Changing language reloads the page; what was typed in its forms comes back in the new language.
  // It waits in the tab's sessionStorage only across that one reload (and is removed as soon as it is
  // put back), never in localStorage: a shared tablet must not keep a household's details.
  const KEPT_KEY = "returns:typed-before-language-change";

  function keepTyped() {
    const forms = [];
    document.querySelectorAll("main form").forEach((form, index) => {
      const pairs = typedPairs(form);
      if (pairs.some(([, value]) => value !== "")) {
        forms.push({ index, pairs });
      }
    });
    if (forms.length) {
      sessionStorage.setItem(KEPT_KEY, JSON.stringify({ path: location.pathname, forms }));
    }
  }

  function restoreTyped() {
    const kept = sessionStorage.getItem(KEPT_KEY);
    sessionStorage.removeItem(KEPT_KEY);
    if (!kept) {
      return;
    }
    const { path, forms } = JSON.parse(kept);
    if (path !== location.pathname) {
      return;
    }
    const pageForms = document.querySelectorAll("main form");
    for (const { index, pairs } of forms) {
      if (pageForms[index]) {
        restorePairs(pageForms[index], pairs);
      }
    }
  }

  // Logging out empties what this device keeps for offline work (offline-store.js, the service
  // worker's copies); households not sent yet are only deleted if the officer says so.
  async function forgetOffline(event) {
    const form = event.target;
    if (form.dataset.offlineChecked || !("indexedDB" in window) || !window.ReturnsOffline) {
      return;
    }
    event.preventDefault();
    try {
      const waiting = (await window.ReturnsOffline.all("queue")).length;
      const warning = waiting === 1 ? form.dataset.unsentWarningOne : form.dataset.unsentWarningMany;
      if (waiting && !window.confirm(warning.replace("%(count)s", String(waiting)))) {
        return;
      }
      await window.ReturnsOffline.clear();
      if ("caches" in window) {
        const names = await caches.keys();
        await Promise.all(names.filter((name) => name.startsWith("returns-register-")).map((name) => caches.delete(name)));
      }
    } catch {
      // Nothing kept, or no storage: log out all the same.
    }
    form.dataset.offlineChecked = "true";
    form.submit();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.documentElement.classList.add("js");

    // The language switcher changes language as soon as a language is chosen.
    for (const form of document.querySelectorAll("form[data-auto-submit]")) {
      const select = form.querySelector("select");
      if (select) {
        select.addEventListener("change", () => {
          keepTyped();
          form.submit();
        });
      }
      form.addEventListener("submit", keepTyped);
    }

    for (const form of document.querySelectorAll("form[data-logout]")) {
      form.addEventListener("submit", forgetOffline);
    }
  });

  // After every page script has set its page up (rows, district lists): "load" comes after them.
  window.addEventListener("load", restoreTyped);
})();

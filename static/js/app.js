// Small enhancements shared by every page. The pages work without them.
"use strict";

(() => {
  // Changing language reloads the page; what was typed in its forms comes back in the new language.
  // It waits in the tab's sessionStorage only across that one reload (and is removed as soon as it is
  // put back), never in localStorage: a shared tablet must not keep a household's details.
  const KEPT_KEY = "returns:typed-before-language-change";
  const NOT_KEPT = new Set(["hidden", "password", "file", "submit", "button", "reset"]);

  function typedFields() {
    const forms = [];
    document.querySelectorAll("main form").forEach((form, index) => {
      const fields = [];
      for (const element of form.elements) {
        if (!element.name || NOT_KEPT.has(element.type) || element.disabled) {
          continue;
        }
        if (element.type === "checkbox" || element.type === "radio") {
          fields.push([element.name, element.value, element.checked]);
        } else if (element.tagName === "SELECT" && element.multiple) {
          fields.push([element.name, Array.from(element.selectedOptions, (option) => option.value), true]);
        } else {
          fields.push([element.name, element.value, true]);
        }
      }
      if (fields.some(([, value, on]) => on && value !== "" && !(Array.isArray(value) && !value.length))) {
        forms.push({ index, fields });
      }
    });
    return forms;
  }

  function keepTyped() {
    const forms = typedFields();
    if (forms.length) {
      sessionStorage.setItem(KEPT_KEY, JSON.stringify({ path: location.pathname, forms }));
    }
  }

  function elementsNamed(form, name) {
    return Array.from(form.elements).filter((element) => element.name === name);
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
    for (const { index, fields } of forms) {
      const form = pageForms[index];
      if (!form) {
        continue;
      }
      for (const [name, value, on] of fields) {
        let elements = elementsNamed(form, name);
        // A row that the page adds on demand (a household's members): add rows until it exists.
        const addRow = form.querySelector("[data-add-member], [data-add-row]");
        while (!elements.length && addRow && !addRow.disabled) {
          addRow.click();
          elements = elementsNamed(form, name);
          if (!elements.length && form.querySelectorAll("[name]").length > 2000) {
            break;
          }
        }
        for (const element of elements) {
          if (element.type === "checkbox" || element.type === "radio") {
            if (element.value === value) {
              element.checked = on;
            }
          } else if (element.tagName === "SELECT" && element.multiple) {
            for (const option of element.options) {
              option.selected = value.includes(option.value);
            }
          } else {
            element.value = value;
          }
          element.dispatchEvent(new Event("change", { bubbles: true }));
        }
      }
    }
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
  });

  // After every page script has set its page up (rows, district lists): "load" comes after them.
  window.addEventListener("load", restoreTyped);
})();

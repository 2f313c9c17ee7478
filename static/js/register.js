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

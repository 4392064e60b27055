/* "Add another" for Django formsets, wired by data attributes (no inline scripts).
 *
 * <button data-formset-add="PREFIX" data-template="TEMPLATE_ID" data-target="ROWS_ID">
 * clones <template id="TEMPLATE_ID"> (the formset's empty_form), replaces
 * __prefix__ with the next index and bumps PREFIX-TOTAL_FORMS. A "formset:add" event on
 * the button adds a row the same way without moving the focus (draft.js restoring rows).
 */
(function () {
  "use strict";

  function addRow(button, focus) {
    var prefix = button.dataset.formsetAdd;
    var template = document.getElementById(button.dataset.template);
    var target = document.getElementById(button.dataset.target);
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!template || !target || !total) {
      return;
    }
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= parseInt(max.value, 10)) {
      return;
    }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    target.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = target.lastElementChild && target.lastElementChild.querySelector("input, select, textarea");
    if (first && focus) {
      first.focus();
    }
    if (window.htmx) {
      window.htmx.process(target.lastElementChild);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-formset-add]");
    if (button) {
      event.preventDefault();
      addRow(button, true);
    }
  });
  document.addEventListener("formset:add", function (event) {
    var button = event.target.closest && event.target.closest("[data-formset-add]");
    if (button) {
      addRow(button, false);
    }
  });
})();

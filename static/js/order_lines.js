// Add and remove order lines in the browser. Django's formset expects the
// lines to be numbered 0..n-1 with TOTAL_FORMS = n, so every change renumbers.
//
// Texts come translated from the page (no JavaScript catalog), as data-* attributes of
// the "Add line" button; the English here is only a fallback for a page that leaves one
// out. A value in a text is a __NAME__ token: the template fills the {{ name }} of its
// blocktranslate with the literal "__NAME__" (so translators see an ordinary %(name)s
// message) and this script replaces the token with the value.
//   data-text-max-lines  "A document holds at most __MAX__ lines." (the add button's title)
(function () {
  "use strict";
  const container = document.getElementById("lines");
  const template = document.getElementById("empty-line");
  const addButton = document.getElementById("add-line");
  if (!container || !template || !addButton) return;
  const prefix = container.dataset.prefix;
  const totalForms = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  // The most lines a document holds (the formset's MAX_NUM_FORMS): no more can be added.
  const maxForms = parseInt(document.getElementById("id_" + prefix + "-MAX_NUM_FORMS").value, 10);
  const pattern = new RegExp(prefix + "-(\\d+|__prefix__)-", "g");

  function renumber() {
    const lines = container.querySelectorAll(".line-form");
    lines.forEach(function (line, index) {
      line.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (element) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
          const value = element.getAttribute(attribute);
          if (value) element.setAttribute(attribute, value.replace(pattern, prefix + "-" + index + "-"));
        });
      });
      line.querySelector(".remove-line").classList.toggle("d-none", lines.length === 1);
    });
    totalForms.value = lines.length;
    addButton.disabled = lines.length >= maxForms;
    addButton.title = addButton.disabled
      ? (addButton.dataset.textMaxLines || "A document holds at most __MAX__ lines.").replace(/__MAX__/g, maxForms)
      : "";
  }

  addButton.classList.remove("d-none");
  addButton.addEventListener("click", function () {
    if (container.querySelectorAll(".line-form").length >= maxForms) return;
    container.appendChild(template.content.cloneNode(true));
    renumber();
    const products = container.querySelectorAll(".line-form [name$='-product']");
    if (products.length) products[products.length - 1].focus();
  });
  container.addEventListener("click", function (event) {
    const button = event.target.closest(".remove-line");
    if (!button) return;
    button.closest(".line-form").remove();
    renumber();
  });
  renumber();
})();

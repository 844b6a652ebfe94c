// Search-as-you-type for the product field of order lines (ARIA combobox with a listbox).
// Typing a SKU or part of a name lists matching products from the URL in the field's
// data-product-search; choosing one puts its SKU in the field and its name in the help
// text under it. The server resolves the SKU, so the field works the same without
// JavaScript (type the SKU). Lines added later (order_lines.js) are set up on focus.
(function () {
  "use strict";
  const DEBOUNCE_MS = 200;
  let pickers = 0;

  function setUp(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "true";
    const listbox = document.createElement("ul");
    // An id of its own, not derived from the line's: order_lines.js renumbers those.
    listbox.id = "product-picker-" + ++pickers;
    listbox.className = "dropdown-menu w-100 overflow-auto";
    listbox.style.maxHeight = "20rem";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Matching products");
    input.parentElement.classList.add("position-relative");
    input.after(listbox);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    let products = [];
    let active = -1;
    let timer = null;
    let request = null;

    function helpText() {
      return document.getElementById(input.id + "_helptext");
    }

    function close() {
      listbox.classList.remove("show");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function show(results) {
      products = results;
      active = -1;
      listbox.replaceChildren();
      products.forEach(function (product, index) {
        const option = document.createElement("li");
        option.id = listbox.id + "-" + index;
        option.className = "dropdown-item text-wrap";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = product.sku + " — " + product.name;
        option.dataset.index = index;
        listbox.appendChild(option);
      });
      if (!products.length) {
        const empty = document.createElement("li");
        empty.className = "dropdown-item-text text-body-secondary";
        empty.setAttribute("role", "option");
        empty.setAttribute("aria-disabled", "true");
        empty.textContent = "No matching product";
        listbox.appendChild(empty);
      }
      listbox.classList.add("show");
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      const options = listbox.querySelectorAll("[data-index]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach(function (option, position) {
        option.classList.toggle("active", position === active);
        option.setAttribute("aria-selected", String(position === active));
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      const product = products[index];
      input.value = product.sku;
      const help = helpText();
      if (help) help.textContent = product.name;
      close();
    }

    function search() {
      const term = input.value.trim();
      if (request) request.abort();
      if (!term) {
        close();
        return;
      }
      request = new AbortController();
      const url = input.dataset.productSearch + "?q=" + encodeURIComponent(term);
      fetch(url, { headers: { Accept: "application/json" }, signal: request.signal })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (answer) {
          if (document.activeElement === input) show(answer.results);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") close();
        });
    }

    input.addEventListener("input", function () {
      // What is typed is no longer the product named under the field.
      const help = helpText();
      if (help) help.textContent = input.dataset.hint || "";
      clearTimeout(timer);
      timer = setTimeout(search, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      const open = listbox.classList.contains("show");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!open) {
          search();
          return;
        }
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault(); // choose the product, do not submit the form
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
    // mousedown, not click: the field keeps the focus, so blur does not close the list first.
    listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
      const option = event.target.closest("[data-index]");
      if (option) choose(Number(option.dataset.index));
    });
  }

  document.querySelectorAll("input[data-product-search]").forEach(setUp);
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("input[data-product-search]")) setUp(event.target);
  });
})();

// Search-as-you-type for record pickers (core/pickers.py): the product of an
// order line, the customer or supplier of a document or of a list's filter. An ARIA
// combobox with a listbox. The input's data attributes say:
//   data-record-search      the URL answering ?q= with {"results": [...]}
//   data-record-text        the result's property the input takes ("sku", "name")
//   data-record-none        the (disabled) entry shown when nothing matches
//   data-record-list-label  the listbox's accessible name
//   data-hint               the help text shown while nothing is chosen
// Each result line reads "<text> — <name> — <detail>" (repeats left out). Choosing one
// puts its text in the input, the rest in the help text under it, and its id in the
// hidden "<name>_pk" input if the form has one (for names several records may share).
// The server resolves what is typed, so the input works the same without JavaScript.
// Inputs added later (order_lines.js) are set up on focus.
//
// Texts come translated from the page (no JavaScript catalog), as data-* attributes;
// the English here is only a fallback for a page that leaves one out. The input's own
// data-record-none and data-record-list-label (above, set by the form that builds the
// picker) come first; a picker without them takes the page's defaults, on this
// script's own <script> tag:
//   data-text-none        "No match"
//   data-text-list-label  "Matches"
// (A text with a value in it would carry a __NAME__ token that the script replaces;
// these have none.)
(function () {
  "use strict";
  // Read now: document.currentScript is only set while this file first runs.
  const script = document.currentScript;
  const NO_MATCH = (script && script.dataset.textNone) || "No match";
  const MATCHES = (script && script.dataset.textListLabel) || "Matches";
  const DEBOUNCE_MS = 200;
  const SELECTOR = "input[data-record-search]";
  let pickers = 0;

  function parts(record, textProperty) {
    const text = String(record[textProperty]);
    const rest = [record.name, record.detail].filter(function (part) {
      return part && part !== text;
    });
    return { text: text, rest: rest };
  }

  function setUp(input) {
    if (input.dataset.pickerReady) return;
    input.dataset.pickerReady = "true";
    const textProperty = input.dataset.recordText || "name";
    const listbox = document.createElement("ul");
    // An id of its own, not derived from the input's: order_lines.js renumbers those.
    listbox.id = "record-picker-" + ++pickers;
    listbox.className = "dropdown-menu w-100 overflow-auto";
    listbox.style.maxHeight = "20rem";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", input.dataset.recordListLabel || MATCHES);
    input.parentElement.classList.add("position-relative");
    input.after(listbox);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    let records = [];
    let active = -1;
    let timer = null;
    let request = null;

    function helpText() {
      return document.getElementById(input.id + "_helptext");
    }

    function chosenKey() {
      return input.form ? input.form.elements.namedItem(input.name + "_pk") : null;
    }

    function close() {
      listbox.classList.remove("show");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function show(results) {
      records = results;
      active = -1;
      listbox.replaceChildren();
      records.forEach(function (record, index) {
        const shown = parts(record, textProperty);
        const option = document.createElement("li");
        option.id = listbox.id + "-" + index;
        option.className = "dropdown-item text-wrap";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = [shown.text].concat(shown.rest).join(" — ");
        option.dataset.index = index;
        listbox.appendChild(option);
      });
      if (!records.length) {
        const empty = document.createElement("li");
        empty.className = "dropdown-item-text text-body-secondary";
        empty.setAttribute("role", "option");
        empty.setAttribute("aria-disabled", "true");
        empty.textContent = input.dataset.recordNone || NO_MATCH;
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
      const record = records[index];
      const shown = parts(record, textProperty);
      input.value = shown.text;
      const key = chosenKey();
      if (key) key.value = record.id;
      const help = helpText();
      if (help) help.textContent = shown.rest.join(" — ");
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
      // The URL may carry options of its own (?active=1).
      const url = new URL(input.dataset.recordSearch, document.baseURI);
      url.searchParams.set("q", term);
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
      // What is typed is no longer the record named under the field.
      const help = helpText();
      if (help) help.textContent = input.dataset.hint || "";
      const key = chosenKey();
      if (key) key.value = "";
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
        event.preventDefault(); // choose the record, do not submit the form
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

  document.querySelectorAll(SELECTOR).forEach(setUp);
  document.addEventListener("focusin", function (event) {
    if (event.target.matches(SELECTOR)) setUp(event.target);
  });
})();

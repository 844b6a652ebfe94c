// Forms are sent once: on submit, the form's submit buttons are disabled and the
// one pressed says "Sending…", so a double tap on a slow phone sends one post.
// The server guards the documents anyway (a one-time token, core.submissions);
// this is what the user sees. Without JavaScript the form works as before.
//
// Every <form method="post"> (and any form marked data-submit-once) is covered;
// data-submit-once="off" leaves a form out, as does a target (a new tab or a
// download would leave this page's buttons disabled). Back to a page the browser
// kept (bfcache) shows its buttons as they were.
//
// Texts come translated from the page (no JavaScript catalog), as data-* attributes;
// the English here is only a fallback for a page that leaves one out. This script
// works on every form of every page, so its text sits on its own <script> tag in
// base.html:
//   data-text-sending  "Sending…"
// (A text with a value in it would carry a __NAME__ token that the script replaces;
// this one has none.)
(function () {
  "use strict";
  // Read now: document.currentScript is only set while this file first runs.
  const script = document.currentScript;
  const SENDING = (script && script.dataset.textSending) || "Sending…";

  function covered(form) {
    if (form.dataset.submitOnce === "off") return false;
    if (form.hasAttribute("target") && form.getAttribute("target") !== "_self") return false;
    return form.method === "post" || form.hasAttribute("data-submit-once");
  }

  function submitButtons(form) {
    // form.elements includes buttons outside the form that name it (form="…").
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.type === "submit" && (element.tagName === "BUTTON" || element.tagName === "INPUT");
    });
  }

  function setLabel(button, label) {
    if (button.tagName === "INPUT") button.value = label;
    else button.textContent = label;
  }

  function lock(form, submitter) {
    form.dataset.sending = "true";
    form.setAttribute("aria-busy", "true");
    const buttons = submitButtons(form);
    const pressed = submitter && buttons.indexOf(submitter) !== -1 ? submitter : buttons[0];
    // After this event: a button disabled now would leave its name and value out
    // of the post the browser is about to build.
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        button.dataset.wasDisabled = button.disabled ? "true" : "false";
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      });
      if (pressed) {
        pressed.dataset.originalLabel = pressed.tagName === "INPUT" ? pressed.value : pressed.textContent;
        setLabel(pressed, SENDING);
      }
    }, 0);
  }

  function unlock(form) {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
    submitButtons(form).forEach(function (button) {
      if (button.dataset.originalLabel !== undefined) {
        setLabel(button, button.dataset.originalLabel);
        delete button.dataset.originalLabel;
      }
      if (button.dataset.wasDisabled !== undefined) {
        button.disabled = button.dataset.wasDisabled === "true";
        delete button.dataset.wasDisabled;
        button.removeAttribute("aria-disabled");
      }
    });
  }

  // On the document, after the form's own handlers: a submit they cancelled
  // (a confirmation declined, a check in the page) leaves the form as it was.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !covered(form)) return;
    if (form.dataset.sending === "true") {
      event.preventDefault(); // a second tap while the first post is on its way
      return;
    }
    if (event.defaultPrevented) return;
    lock(form, event.submitter);
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sending]").forEach(unlock);
  });
})();

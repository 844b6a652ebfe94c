// An import being checked or run in the background: reload its page every two seconds,
// so the rows done / total and, at the end, the summary show without a click.
(function () {
  if (!document.querySelector("[data-import-busy]")) { return; }
  window.setTimeout(function () { window.location.reload(); }, 2000);
})();

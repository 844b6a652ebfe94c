// A queued or running job's page (data-job-status-url) asks for the job's status every
// two seconds, redraws its progress, and reloads once the job has finished, to show
// the download link or the error.
//
// Texts come translated from the page (no JavaScript catalog), as data-* attributes of
// the card; the English here is only a fallback for a page that leaves one out. A value
// in a text is a __NAME__ token: the template fills the {{ name }} of its blocktranslate
// with the literal "__NAME__" (so translators see an ordinary %(name)s message) and
// this script replaces the token with the value.
//   data-text-progress  "__DONE__ of __TOTAL__"
//   data-text-so-far    "__DONE__ so far"
// Numbers are written the way the page's language (<html lang>) writes them.
(function () {
  var card = document.querySelector("[data-job-status-url]");
  if (!card) { return; }
  var url = card.getAttribute("data-job-status-url");
  var bar = card.querySelector("[data-job-bar]");
  var counts = card.querySelector("[data-job-counts]");
  var badge = card.querySelector("[data-job-status]");
  var INTERVAL_MS = 2000;
  var language = document.documentElement.lang || "en-US";

  function text(name, fallback, values) {
    var template = card.getAttribute("data-text-" + name) || fallback;
    return template.replace(/__([A-Z]+)__/g, function (token, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : token;
    });
  }

  // Grouped from four digits on, as the page's intcomma does ("always": Spanish would not).
  function number(value) {
    try { return value.toLocaleString(language, { useGrouping: "always" }); } catch (error) { return value.toLocaleString("en-US"); }
  }

  function redraw(status) {
    if (status.finished) { window.location.reload(); return; }
    if (badge) { badge.textContent = status.status_display; }
    if (counts) {
      var done = number(status.done);
      counts.textContent = status.total !== null
        ? text("progress", "__DONE__ of __TOTAL__", { DONE: done, TOTAL: number(status.total) })
        : (status.done ? text("so-far", "__DONE__ so far", { DONE: done }) : "");
    }
    if (bar && status.total) {
      bar.max = status.total;
      bar.value = status.done;
      bar.textContent = status.percent + "%";
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(redraw)
      // A lost connection or a restart: try again a little later, the job goes on.
      .catch(function () { window.setTimeout(poll, INTERVAL_MS * 5); });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();

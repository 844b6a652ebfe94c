// A queued or running job's page (data-job-status-url) asks for the job's status every
// two seconds, redraws its progress, and reloads once the job has finished, to show
// the download link or the error.
(function () {
  var card = document.querySelector("[data-job-status-url]");
  if (!card) { return; }
  var url = card.getAttribute("data-job-status-url");
  var bar = card.querySelector("[data-job-bar]");
  var counts = card.querySelector("[data-job-counts]");
  var badge = card.querySelector("[data-job-status]");
  var INTERVAL_MS = 2000;

  function redraw(status) {
    if (status.finished) { window.location.reload(); return; }
    if (badge) { badge.textContent = status.status_display; }
    if (counts) {
      var done = status.done.toLocaleString("en-US");
      counts.textContent = status.total !== null
        ? done + " of " + status.total.toLocaleString("en-US")
        : (status.done ? done + " so far" : "");
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

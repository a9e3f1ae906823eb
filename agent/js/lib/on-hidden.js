/* When the page was first hidden before the agent loaded (web-vitals' visibility watcher):
 * from `visibility-state` entries, else 0 if it is hidden now; Infinity while visible.
 * A prerendering page is not "hidden" yet. */
function firstHiddenTime() {
  var t = Infinity, after = activationStart();
  if (!document.prerendering) {
    performance.getEntriesByType("visibility-state").some(function (e) {
      return e.name == "hidden" && e.startTime > after && ((t = e.startTime), 1);
    });
    if (t == Infinity && isHidden()) t = 0;
  }
  return t;
}

function isHidden() {
  return document.visibilityState == "hidden";
}

/* Calls `f(time)` whenever the page is hidden: `visibilitychange` is the last event reliably
 * fired on mobile; `pagehide` covers browsers that skip it on unload. */
function onHidden(f) {
  listen(document, "visibilitychange", function (e) {
    if (isHidden()) f(e.timeStamp);
  });
  listen(self, "pagehide", function (e) {
    f(e.timeStamp);
  });
}

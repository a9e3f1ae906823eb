/* TTFB, the document request's phases and milestones: the navigation entry's timestamps,
 * read at start and again when the page is hidden (DOMContentLoaded and load by then).
 * The arguments go by position, in the order of the wasm's `navigation` parameters (a test
 * in agent/src/lib.rs holds the two together). */
function readNavigation() {
  var e = navigationEntry();
  if (e)
    w.navigation(e.activationStart || 0, e.redirectStart, e.redirectEnd, e.domainLookupStart,
      e.domainLookupEnd, e.connectStart, e.connectEnd, e.secureConnectionStart, e.requestStart,
      e.responseStart, e.responseEnd, e.domInteractive, e.domContentLoadedEventEnd, e.loadEventEnd);
}

/* The navigation type as the wire format names it (web-vitals' navigationType). */
function navigationType() {
  var e = navigationEntry();
  return document.prerendering || (e && e.activationStart) > 0 ? "prerender"
    : document.wasDiscarded ? "restore"
    : (e && e.type) || "navigate";
}

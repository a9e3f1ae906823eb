/* Largest contentful paint: entries until the first trusted key press or click, or until the
 * page is hidden (web-vitals v5). The entry the wasm takes as the LCP is kept for its
 * element and URL. */
var lcpObserver, lcpEntry;

function onLcpEntries(entries) {
  var e = entries[entries.length - 1];
  if (e && w.lcp(e.startTime, activationStart())) lcpEntry = e;
}

function observeLcp() {
  lcpObserver = observe("largest-contentful-paint", onLcpEntries);
  if (lcpObserver)
    ["keydown", "click"].forEach(function (type) {
      listen(self, type, function (e) {
        if (e.isTrusted) finishLcp();
      });
    });
}

/* Takes the entries still queued and stops observing: LCP is final from here on, so its
 * resource is timed once, here, not at every later hide. */
function finishLcp() {
  if (!lcpObserver) return;
  takeRecords(lcpObserver, onLcpEntries);
  lcpObserver.disconnect();
  lcpObserver = 0;
  timeLcpResource();
}

/* The LCP resource's timing, for the sub-parts. */
function timeLcpResource() {
  var url = lcpEntry && lcpEntry.url, r;
  if (url)
    performance.getEntriesByType("resource").some(function (x) {
      return x.name == url && (r = x);
    });
  if (lcpEntry) w.lcp_resource(r ? r.requestStart || r.startTime : 0, r ? r.responseEnd : 0);
}

function lcpAttribution(body) {
  if (lcpEntry && body.lcp >= 0) {
    body.lcp_el = cut(selector(lcpEntry.element), 256);
    if (lcpEntry.url) body.lcp_url = withoutQuery(lcpEntry.url);
  }
}

/* A bfcache restore: the restored page's LCP is its first frame, not an entry. */
function resetLcp() {
  lcpEntry = 0;
}

/* Largest contentful paint: entries until the first trusted key press or click, or until the
 * page is hidden (web-vitals 6). After a soft navigation, the `interaction-contentful-paint`
 * entries of the interaction that made it, timed from their start, until the next trusted
 * key press or click. The entry the wasm takes as the LCP is kept for its URL, and its
 * element's selector is taken then, as web-vitals does: an element removed later would have
 * none (its id stands in when it is already gone). */
var lcpObserver, lcpEntry, lcpTarget, lcpDone, softInteraction;

function onLcpEntries(entries) {
  entries.forEach(function (e) {
    var paint = e.largestContentfulPaint || e;
    if (lcpDone) return;
    // After a soft navigation, paints of another interaction bled into this view: not its LCP.
    if (e.entryType == "interaction-contentful-paint" ? softInteraction && e.interactionId == softInteraction && w.lcp(paint.renderTime || 0, e.startTime) : !softInteraction && w.lcp(e.startTime, activationStart())) {
      lcpEntry = paint;
      lcpTarget = paint.element ? selector(paint.element) : paint.id ? "#" + paint.id : "";
    }
  });
}

function observeLcp() {
  lcpObserver = observe("largest-contentful-paint", onLcpEntries);
  if (lcpObserver && softNavigations())
    try {
      lcpObserver.observe({ type: "interaction-contentful-paint", buffered: true });
    } catch (e) {}
  if (lcpObserver)
    ["keydown", "click"].forEach(function (type) {
      listen(self, type, function (e) {
        if (e.isTrusted) finishLcp();
      });
    });
}

/* Takes the entries still queued: LCP is final from here on, so its resource is timed once,
 * here, not at every later hide. Without soft navigations nothing more can come: stop
 * observing. */
function finishLcp() {
  if (!lcpObserver || lcpDone) return;
  takeRecords(lcpObserver, onLcpEntries);
  lcpDone = 1;
  if (!softNavigations()) lcpObserver.disconnect();
  timeLcpResource();
}

/* The LCP resource's timing, for the sub-parts: the last request for its URL that began by
 * the paint (web-vitals' choice). The navigation entry is read again first: a prerendered
 * page's TTFB counts from its activation. */
function timeLcpResource() {
  var url = lcpEntry && lcpEntry.url, r;
  readNavigation();
  if (url)
    performance.getEntriesByType("resource").forEach(function (x) {
      if (x.name == url && (x.requestStart || x.startTime) <= lcpEntry.startTime) r = x;
    });
  if (lcpEntry) w.lcp_resource(r ? r.requestStart || r.startTime : 0, r ? r.responseEnd : 0);
}

function lcpAttribution(body) {
  if (lcpEntry && body.lcp >= 0) {
    if (lcpTarget) body.lcp_el = cut(lcpTarget, 256);
    if (lcpEntry.url) body.lcp_url = withoutQuery(lcpEntry.url);
  }
}

/* A bfcache restore: the restored page's LCP is its first frame, not an entry. */
function resetLcp() {
  lcpEntry = 0;
  lcpDone = 1;
}

/* A soft navigation `e`: its LCP is the largest paint of its interaction so far, then the
 * interaction's later paints. */
function softLcp(e) {
  lcpEntry = lcpDone = 0;
  softInteraction = e.interactionId;
  onLcpEntries([e.getLargestInteractionContentfulPaint()].filter(Boolean));
}

/* RUM agent loader. The build wraps the browser layer (lib/, metrics/), the glue written by
 * `agent/build/glue.mjs` (defines `wasm_bindgen(url)` and, once it resolves, the exports on it)
 * and this file in one closure, so nothing leaks into the merchant's page.
 *
 *   <script async src="https://rum.example.com/rum.js" data-site="KEY"
 *           data-page-group="product" data-release="2026.12.01-3" data-sample="0.5"
 *           data-endpoint="https://rum.example.com/v1/beacon"></script>
 *   <script>window.rum = window.rum || []; rum.push(["dim", "ab_test", "B"]);</script>
 */
var w = wasm_bindgen, script = document.currentScript;

/* A random page-view id: 128 bits as hex. Not stored anywhere: no cookies, no fingerprint. */
function pageViewId() {
  var bytes = new Uint8Array(16);
  try {
    crypto.getRandomValues(bytes);
  } catch (e) {
    for (var i = 0; i < 16; i++) bytes[i] = Math.random() * 256;
  }
  return [].map.call(bytes, function (b) {
    return (b | 256).toString(16).slice(1);
  }).join("");
}

/* The page's URL as the beacon names it: no query, no fragment. */
function pageUrl(url) {
  return cut(url.split(/[?#]/)[0], 2048);
}

/* A command from the page's queue: ['group', name], ['release', name] or ['dim', key, value]; at most 5
 * dimensions, keys of [A-Za-z0-9_-], sizes cut to the collector's limits. A group pushed
 * once the router has moved to another URL names the soft navigation's view to come, not
 * the view it ends. */
function command(view, c) {
  var dims = view.dims, a = c[1] == null ? "" : c[1], key = String(a).replace(/[^\w-]/g, "").slice(0, 32);
  if (c[0] == "group") view[softNavigations() && pageUrl(location.href) != view.url ? "next" : "group"] = cut(a, 64);
  if (c[0] == "release") view.release = cut(a, 64);
  if (c[0] == "dim" && key && (key in dims || Object.keys(dims).length < 5)) dims[key] = cut(c[2] == null ? "" : c[2], 128);
}

function start(data, src, sample) {
  var endpoint = data.endpoint || src.origin + "/v1/beacon", view = {
    site: data.site,
    group: cut(data.pageGroup || "", 64),
    release: cut(data.release || "", 64),
    sample: Math.min(sample, 1),
    url: pageUrl(location.href),
    id: pageViewId(),
    nav: navigationType(),
    dims: Object.create(null),
  };
  w.start(firstHiddenTime(), observeCls());
  readNavigation();
  observeFcp();
  observeLcp();
  observeInp();
  readViewport();
  // The view's beacon: when the page is hidden, and when a soft navigation ends the view.
  function flush() {
    finishLcp();
    readNavigation();
    takeRecords(clsObserver, onShifts);
    takeRecords(inpObserver, onEvents);
    // 0 when nothing changed since the last beacon.
    var seq = w.flush(interactionCount());
    if (seq) send(endpoint, beacon(view, seq));
  }
  onHidden(function (at) {
    w.hidden(at);
    flush();
  });
  // A soft navigation ends the view (its final beacon now) and begins one of its own, which
  // names the visit's hard-navigation view as its root.
  onSoftNavigation(function (e) {
    var events = takeRecordsUntil(inpObserver, e, onEvents), shifts = takeRecordsUntil(clsObserver, e, onShifts);
    flush();
    view.root = view.root || view.id;
    view.id = pageViewId();
    view.nav = "soft_navigation";
    view.url = pageUrl(e.name);
    view.group = view.next || "";
    view.next = "";
    resetCls();
    resetInp();
    w.restore(isHidden(), interactionCount());
    w.paint(e.presentationTime || e.paintTime || 0, e.startTime);
    softLcp(e);
    onEvents(events);
    onShifts(shifts);
  });
  onRestore(function (at) {
    view.id = pageViewId();
    view.root = "";
    view.nav = "back_forward_cache";
    resetLcp();
    resetCls();
    resetInp();
    w.restore(isHidden(), interactionCount());
    doubleRaf(function () {
      w.restored_paint(performance.now() - at);
    });
  });
  // The page's command queue: `window.rum = window.rum || []; rum.push(['dim', k, v])`
  // works before and after the agent loads. A page whose own `rum` is something else keeps
  // it untouched (and gets no commands).
  var queue = self.rum || (self.rum = []), run = safe(function (c) {
    command(view, c);
  });
  if (Array.isArray(queue)) {
    queue.forEach(run);
    queue.push = function () {
      [].forEach.call(arguments, run);
      return 0;
    };
  }
  // Lets people (and tests) see that the agent runs, without any global variable.
  script.setAttribute("data-rum-state", "running");
}

if (script && self.WebAssembly && self.PerformanceObserver && self.fetch) {
  var data = script.dataset, src = new URL(script.src, location.href), sample = data.sample ? +data.sample : 1;
  // Sampling is decided before the wasm is fetched: unsampled shoppers pay for nothing more.
  if (data.site && sample > 0 && Math.random() < sample)
    w(new URL("rum_agent_bg.wasm", src))
      .then(function () {
        start(data, src, sample);
      })
      // A failed agent must never surface as an error on the merchant's page.
      .catch(function () {});
}

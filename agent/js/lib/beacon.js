/* The beacon, wire format v1 (docs/beacon.md): the page view's numbers from the wasm in wire
 * order (`Field` in agent/src/shared/page_view.rs; a Rust test holds the two lists together), the
 * strings the browser layer keeps, and connection and device hints. */
var FIELDS = "ttfb fcp lcp cls inp fid dom_interactive dcl load redirect dns connect tls request response lcp_ttfb lcp_delay lcp_load lcp_render inp_delay inp_proc inp_pres cls_time".split(" ");

/* `s` as well-formed UTF-8 of at most `max` bytes (the collector's limits count bytes), cut
 * at a character boundary. A lone surrogate from the page becomes U+FFFD on the way: as an
 * escape in the JSON it would make the collector refuse the whole beacon. */
function cut(s, max) {
  var bytes = new TextEncoder().encode(String(s)), n = bytes.length;
  if (n > max) for (n = max; (bytes[n] & 0xc0) == 0x80; n--);
  return new TextDecoder().decode(bytes.subarray(0, n));
}

/* Query and fragment may carry personal data (emails, tokens): never sent. */
function withoutQuery(url) {
  return cut(url.split(/[?#]/)[0], 256);
}

/* A hint the browser may not have (or not be allowed to tell). */
function hint(body, key, value) {
  if (value >= 0) body[key] = value;
}

/* The viewport, read once in the first task after a frame is painted, when layout is clean:
 * `innerWidth` on a page with pending DOM changes forces a synchronous layout, which a read
 * at hide time would cost the page. Unknown (not sent) if the page never painted. */
var viewport = {};
function readViewport() {
  requestAnimationFrame(safe(function () {
    setTimeout(safe(function () {
      viewport = { w: innerWidth, h: innerHeight };
    }));
  }));
}

function beacon(view, seq) {
  var body = { v: 1, site: view.site, pv: view.id, seq: seq, url: view.url, nav: view.nav }, c = navigator.connection || {};
  FIELDS.forEach(function (key, i) {
    var v = w.value(i);
    if (v == v) body[key] = v;
  });
  if (view.root) body.root = view.root;
  // Left before its load event: web-vitals would send nothing; reports may leave it out.
  if (view.nav != "soft_navigation" && view.nav != "back_forward_cache" && navigationEntry() && !(body.load >= 0)) body.loaded = false;
  if (view.group) body.group = view.group;
  if (view.release) body.release = view.release;
  lcpAttribution(body);
  clsAttribution(body);
  inpAttribution(body);
  if (Object.keys(view.dims).length) body.dims = view.dims;
  if (c.effectiveType) body.ect = cut(c.effectiveType, 32);
  hint(body, "rtt", c.rtt);
  hint(body, "downlink", c.downlink);
  if (c.saveData != null) body.save_data = !!c.saveData;
  hint(body, "mem", navigator.deviceMemory);
  hint(body, "cpus", navigator.hardwareConcurrency);
  hint(body, "vw", viewport.w);
  hint(body, "vh", viewport.h);
  if (view.sample < 1) body.sample = view.sample;
  return JSON.stringify(body);
}

// The loader's delivery when `navigator.sendBeacon` is missing or refuses the beacon
// (agent/js/lib/send.js): a keepalive fetch of the same string body, so the browser sends it
// as text/plain (cross-origin without a CORS preflight), and the collector stores it as it
// would sendBeacon's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, agentRunning, observed, leave, setVisibility, shopperUserAgent } from "./lib/browser.mjs";
import { waitFor } from "./lib/clickhouse.mjs";
import { startSystem, freshDatabase, tearDown } from "./lib/system.mjs";
import { servePages } from "./lib/pages.mjs";

let system, browser, site;

const SITE = "transport";
const RELEASE = "2026.12.02-1";

/** A product page on its own origin (the collector is cross-origin, as for a merchant). */
function page(collectorUrl) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Espresso</title>
<script async src="${collectorUrl}/rum.js" data-site="${SITE}" data-page-group="product" data-release="${RELEASE}"></script>
<script>window.rum = window.rum || []; rum.push(["dim", "transport", "fallback"]);</script></head>
<body><h1>Espresso blend</h1><p style="font-size:40px">A dark roast with enough words to paint a block.</p></body></html>`;
}

before(async () => {
  system = await startSystem({ database: freshDatabase("rum_e2e_transport") });
  site = await servePages((path) => (path === "/product/espresso" ? { body: page(system.collectorUrl) } : undefined));
  browser = await launch({ userAgent: shopperUserAgent() });
});

after(() => tearDown({ browser, pages: [site], system }));

/** Wire field → page_views column, for the numbers this page's beacon carries. */
const COLUMNS = {
  ttfb: "ttfb_ms",
  fcp: "fcp_ms",
  lcp: "lcp_ms",
  cls: "cls",
  dom_interactive: "dom_interactive_ms",
  dcl: "dom_content_loaded_ms",
  load: "load_ms",
};

/**
 * Loads the page with `navigator.sendBeacon` changed by `stub` (run before any script of the
 * page), hides it so that the agent sends its beacon while the page is still there (so the
 * request is visible to Playwright), and returns what went out, the answer's status and what
 * the stub recorded.
 */
async function hiddenWith(stub) {
  const context = await browser.newContext();
  await context.addInitScript(stub);
  const tab = await context.newPage();
  const beacon = `${system.collectorUrl}/v1/beacon`;
  await tab.goto(`${site.url}/product/espresso?email=shopper@example.com`, { waitUntil: "load" });
  await agentRunning(tab);
  await observed(tab, "largest-contentful-paint");
  const sent = tab.waitForRequest((r) => r.url() === beacon, { timeout: 10000 });
  await setVisibility(tab, "hidden");
  const request = await sent;
  const delivered = {
    method: request.method(),
    contentType: (await request.allHeaders())["content-type"],
    status: (await request.response())?.status(),
    body: request.postData(),
    refused: await tab.evaluate(() => window.__refusedBeacons),
  };
  await leave(tab);
  await context.close();
  return delivered;
}

/** Checks the fallback's request, then that its beacon is the stored page view. */
async function landsAsSent(sent) {
  assert.equal(sent.method, "POST");
  assert.match(sent.contentType ?? "", /^text\/plain(;|$)/i, "a string body: text/plain, no preflight");
  assert.equal(sent.status, 204, "the collector accepted it");
  const body = JSON.parse(sent.body);
  assert.deepEqual(
    [body.site, body.seq, body.url, body.nav, body.group, body.release, body.dims],
    [SITE, 1, `${site.url}/product/espresso`, "navigate", "product", RELEASE, { transport: "fallback" }],
  );
  for (const key of ["ttfb", "fcp", "lcp", "dom_interactive", "load"]) assert.ok(body[key] > 0, `the beacon has ${key}: ${sent.body}`);

  const sql = `SELECT * FROM ${system.database}.page_views WHERE page_view_id = '${body.pv}'`;
  const [row, ...more] = await waitFor(sql, (r) => r.length > 0, `page view ${body.pv}`);
  assert.equal(more.length, 0, "one row");
  assert.deepEqual(
    [row.site, row.seq, row.url, row.path, row.navigation_type, row.page_group, row.release, row.dim_keys, row.dim_values, row.is_bot],
    [SITE, 1, body.url, "/product/espresso", "navigate", "product", RELEASE, ["transport"], ["fallback"], 0],
  );
  // To a millionth of a ms: ClickHouse 18.16 may print a Float64 one unit in the last place off.
  for (const [key, column] of Object.entries(COLUMNS)) assert.ok(Math.abs(row[column] - body[key]) < 1e-6, `${column}: ${row[column]} stored, ${body[key]} sent`);
}

test("sendBeacon refusing the beacon: a keepalive fetch, text/plain, delivers it", async () => {
  const sent = await hiddenWith(() => {
    window.__refusedBeacons = 0;
    // A full queue: the browser's sendBeacon answers false and sends nothing.
    Object.defineProperty(Navigator.prototype, "sendBeacon", {
      configurable: true,
      value: () => (window.__refusedBeacons++, false),
    });
  });
  assert.equal(sent.refused, 1, "the agent tried sendBeacon first");
  await landsAsSent(sent);
});

test("no sendBeacon at all: the same fetch delivers the beacon", async () => {
  const sent = await hiddenWith(() => {
    delete Navigator.prototype.sendBeacon;
  });
  assert.equal(sent.refused, undefined);
  await landsAsSent(sent);
});

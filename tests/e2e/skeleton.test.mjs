// Shopper's browser → wasm agent → collector → ClickHouse, in real headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, agentRunning, leave, shopperUserAgent } from "./lib/browser.mjs";
import { query, waitFor } from "./lib/clickhouse.mjs";
import { startSystem, freshDatabase, tearDown } from "./lib/system.mjs";

// Contexts stay open until the browser closes in after(): closing one right after the page
// is hidden could cancel a beacon still on its way.
let system, browser;

before(async () => {
  system = await startSystem({ database: freshDatabase("rum_e2e_skeleton") });
  browser = await launch({ userAgent: shopperUserAgent() });
});

after(() => tearDown({ browser, system }));

test("one page view: one row whose TTFB and FCP match the browser's own entries", async () => {
  const product = `e2e-${Date.now()}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${system.demoUrl}/product/${product}?delay=30&img_delay=150`, { waitUntil: "load" });
  await agentRunning(page);
  // What the browser itself measured for this load, computed as web-vitals does.
  const seen = await page.evaluate(async () => {
    const nav = performance.getEntriesByType("navigation")[0];
    const activation = nav.activationStart || 0;
    const fcp = await new Promise((resolve) => {
      new PerformanceObserver((list) => {
        const e = list.getEntries().find((x) => x.name === "first-contentful-paint");
        if (e) resolve(e.startTime);
      }).observe({ type: "paint", buffered: true });
    });
    return { ttfb: Math.max(nav.responseStart - activation, 0), fcp: Math.max(fcp - activation, 0) };
  });
  // Let the hero image become the LCP before the page is hidden.
  await page.waitForFunction(() => document.querySelector("img.hero")?.complete);
  await leave(page);

  const sql = `SELECT page_view_id, seq, ttfb_ms, fcp_ms, lcp_ms, page_group, navigation_type, is_bot
               FROM ${system.database}.page_views WHERE path = '/product/${product}'`;
  let rows = await waitFor(sql, (r) => r.length > 0, "a row for the page view");
  assert.equal(rows.length, 1, "a row arrives for the page view");
  // Give a duplicate beacon every chance to show up (batches flush every 200 ms). There is
  // no signal for a beacon that should never come: the one sent while the page unloads is
  // invisible to Playwright and to CDP, so the test cannot count what the page sent.
  await new Promise((r) => setTimeout(r, 1500));
  rows = await query(sql);
  assert.equal(rows.length, 1, `exactly one row for the page view, got ${JSON.stringify(rows)}`);
  const row = rows[0];
  assert.ok(Math.abs(row.ttfb_ms - seen.ttfb) <= 1, `TTFB row ${row.ttfb_ms} vs browser ${seen.ttfb}`);
  assert.ok(Math.abs(row.fcp_ms - seen.fcp) <= 1, `FCP row ${row.fcp_ms} vs browser ${seen.fcp}`);
  assert.ok(row.lcp_ms >= row.fcp_ms, `LCP ${row.lcp_ms} present and not before FCP ${row.fcp_ms}`);
  assert.equal(row.page_group, "product");
  assert.equal(row.navigation_type, "navigate");
  assert.equal(Number(row.is_bot), 0);
});

test("the agent's files are served cross-origin with the right types", async () => {
  const js = await fetch(`${system.collectorUrl}/rum.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type"), /javascript/);
  const wasm = await fetch(`${system.collectorUrl}/rum_agent_bg.wasm`);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  assert.equal(wasm.headers.get("access-control-allow-origin"), "*");
  assert.ok(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer())), "valid wasm module");
});

test("bad JSON from a page gets a 400 with a reason; the collector keeps serving", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${system.demoUrl}/cart?delay=0`);
  const answer = await page.evaluate(async (url) => {
    const res = await fetch(`${url}/v1/beacon`, { method: "POST", body: '{"v":1,"site":"demo",' });
    return { status: res.status, body: await res.text() };
  }, system.collectorUrl);
  assert.equal(answer.status, 400);
  assert.match(answer.body, /invalid_json/);
  const health = await fetch(`${system.collectorUrl}/healthz`);
  assert.equal(health.status, 200);
  await context.close();
});

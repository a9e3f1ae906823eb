// Our agent against web-vitals 6.2.3 on the same page loads, for each demo scenario, in real
// headless Chromium: same TTFB, FCP, LCP, INP (within 1 ms) and CLS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, agentRunning, leave, observed, setVisibility, shopperUserAgent } from "./lib/browser.mjs";
import { exec, query, waitFor } from "./lib/clickhouse.mjs";
import { startSystem, freshDatabase, tearDown } from "./lib/system.mjs";
import { installWebVitals, webVitalsSoFar } from "./lib/webvitals.mjs";

// Contexts stay open until the browser closes in after(): closing one right after the page
// is hidden could cancel a beacon still on its way.
let system, browser;

before(async () => {
  system = await startSystem({ database: freshDatabase("rum_e2e_vitals") });
  browser = await launch({ userAgent: shopperUserAgent() });
});

after(() => tearDown({ browser, system }));

const COLUMNS = `page_view_id, seq, navigation_type, ttfb_ms, fcp_ms, lcp_ms, cls, inp_ms, fid_ms,
  lcp_element, lcp_url, lcp_resource_delay_ms, inp_target, inp_event, inp_input_delay_ms,
  inp_processing_ms, cls_target, dim_keys, dim_values, redirect_ms, request_ms, response_ms,
  viewport_width, viewport_height, lcp_ttfb_ms, lcp_resource_duration_ms, lcp_render_delay_ms`;

/** Rows of `path`, latest beacon per page view, once `count` page views arrived. */
async function pageViews(path, count) {
  const sql = `SELECT ${COLUMNS} FROM ${system.database}.page_views WHERE path = '${path}' ORDER BY received_at, seq`;
  await waitFor(sql, (r) => new Set(r.map((x) => x.page_view_id)).size >= count, `${count} page views of ${path}`);
  // Let any later beacon of the same view arrive: one sent while the page unloads is
  // invisible to Playwright and CDP, so there is nothing to wait for but time.
  await new Promise((r) => setTimeout(r, 800));
  const rows = await query(sql);
  const latest = new Map();
  for (const r of rows) if (!latest.has(r.page_view_id) || latest.get(r.page_view_id).seq < r.seq) latest.set(r.page_view_id, r);
  return [...latest.values()];
}

function close(actual, expected, what, tolerance = 1) {
  assert.ok(expected !== undefined, `web-vitals reported ${what}`);
  assert.ok(actual !== null, `agent reported ${what}`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: agent ${actual} vs web-vitals ${expected}`);
}

// After a bfcache restore both libraries read performance.now() in a requestAnimationFrame
// callback of the same frame; whichever registered later reads it after the other
// callbacks of that frame ran (about 1-2 ms on a loaded 2-core machine). Allow for that.
const SAME_FRAME_MS = 5;

test("slow server, late hero image, late banner, slow button: same numbers as web-vitals", async () => {
  const path = `/product/vitals-${Date.now()}`;
  const context = await browser.newContext();
  await installWebVitals(context);
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.rum = window.rum || [];
    window.rum.push(["dim", "ab_test", "B"]);
  });
  await page.goto(`${system.demoUrl}${path}?delay=120&img_delay=400&shift=300&slow_click=150`, { waitUntil: "load" });
  await agentRunning(page);
  await page.waitForFunction(() => document.querySelector("img.hero")?.complete);
  await observed(page, "layout-shift", { field: "value" }); // the banner, 300 ms after load
  await page.click("#buy");
  await observed(page, "event", { name: "click", field: "duration", above: 150 }); // the slow handler

  await setVisibility(page, "hidden"); // both libraries settle INP and send/report now
  const wv = await webVitalsSoFar(page);
  // The browser's own last LCP entry, to check the attribution against.
  const lcpEntry = await page.evaluate(
    () =>
      new Promise((resolve) =>
        new PerformanceObserver((list) => {
          const e = list.getEntries().at(-1);
          resolve({ tag: e.element?.tagName.toLowerCase() ?? "", url: e.url });
        }).observe({ type: "largest-contentful-paint", buffered: true })
      )
  );
  const viewport = await page.evaluate(() => [innerWidth, innerHeight]);
  await leave(page);

  const [row] = await pageViews(path, 1);
  close(row.ttfb_ms, wv.TTFB, "TTFB");
  close(row.fcp_ms, wv.FCP, "FCP");
  close(row.lcp_ms, wv.LCP, "LCP");
  close(row.inp_ms, wv.INP, "INP");
  assert.ok(Math.abs(row.cls - wv.CLS) < 1e-9, `CLS: agent ${row.cls} vs web-vitals ${wv.CLS}`);
  assert.ok(row.ttfb_ms >= 120, "the server delay shows in TTFB");
  assert.ok(row.inp_ms >= 150, "the slow handler shows in INP");
  assert.ok(row.cls > 0, "the banner shifted the page");
  // Attribution.
  assert.ok(
    row.lcp_element.split(">").at(-1).split(".")[0] === lcpEntry.tag || row.lcp_element.startsWith("#"),
    `LCP element ${row.lcp_element} is the browser's <${lcpEntry.tag}>`
  );
  assert.equal(row.lcp_url, lcpEntry.url.split(/[?#]/)[0], "LCP resource, without its query");
  assert.ok(row.lcp_resource_delay_ms !== null);
  assert.equal(row.inp_target, "#buy");
  // Every event of the click shares the interaction's duration; the first one names it.
  assert.match(row.inp_event, /^(pointerdown|pointerup|mousedown|click)$/);
  assert.ok(row.inp_processing_ms >= 140, `processing ${row.inp_processing_ms}`);
  assert.ok(row.fid_ms !== null, "first input delay");
  assert.ok(row.cls_target.length > 0, "largest shift source");
  assert.ok(row.request_ms !== null && row.response_ms !== null, "navigation phases");
  assert.deepEqual([row.dim_keys, row.dim_values], [["ab_test"], ["B"]], "custom dimension from rum.push");
  assert.deepEqual([row.viewport_width, row.viewport_height], viewport, "viewport, read after the first paint");
});

test("a page restored from the back/forward cache is a second page view", async () => {
  const path = `/product/bfcache-${Date.now()}`;
  const context = await browser.newContext();
  await installWebVitals(context);
  // Every pageshow of the document, persisted or not: a restore keeps the document, so the
  // list survives it.
  await context.addInitScript(() => {
    window.__pageshows = [];
    addEventListener("pageshow", (e) => window.__pageshows.push(e.persisted));
  });
  const page = await context.newPage();
  await page.goto(`${system.demoUrl}${path}?delay=0&img_delay=0`, { waitUntil: "load" });
  await agentRunning(page);
  await page.goto(`${system.demoUrl}/cart?delay=0`, { waitUntil: "load" });
  // A restore from the back/forward cache fires no load event, only pageshow; web-vitals
  // reports the restore's FCP (and LCP) two frames after it.
  await page.goBack({ waitUntil: "commit" });
  await page.waitForFunction(() => window.__wv?.FCP_nav === "back-forward-cache" && window.__wv?.LCP_nav === "back-forward-cache", null, {
    timeout: 15000,
  });
  const pageshows = await page.evaluate(() => window.__pageshows);
  const wv = await webVitalsSoFar(page);
  await leave(page);

  assert.deepEqual(pageshows, [false, true], "the same document, shown again from the bfcache");
  assert.ok(wv.FCP > 0 && wv.LCP >= wv.FCP, `web-vitals measured the restore: ${JSON.stringify(wv)}`);
  const rows = await pageViews(path, 2);
  assert.equal(rows.length, 2, "two page views");
  const back = rows.find((r) => r.navigation_type === "back_forward_cache");
  assert.ok(back, `a bfcache page view: ${JSON.stringify(rows.map((r) => r.navigation_type))}`);
  assert.equal(back.ttfb_ms, 0);
  close(back.fcp_ms, wv.FCP, "FCP after restore", SAME_FRAME_MS);
  close(back.lcp_ms, wv.LCP, "LCP after restore", SAME_FRAME_MS);
  // No entry to attribute after a restore: web-vitals reports 0, 0, 0 and the LCP.
  const a = wv.LCP_attr;
  assert.deepEqual(
    [back.lcp_ttfb_ms, back.lcp_resource_delay_ms, back.lcp_resource_duration_ms],
    [a.ttfb, a.delay, a.load],
    `LCP sub-parts after restore: web-vitals ${JSON.stringify(a)}`
  );
  close(back.lcp_render_delay_ms, a.render, "LCP render delay after restore", SAME_FRAME_MS);
  const first = rows.find((r) => r.navigation_type !== "back_forward_cache");
  assert.equal(first.navigation_type, "navigate", "the first page view was the navigation");
  assert.notEqual(first.page_view_id, back.page_view_id);
});

test("CLS that grows after the first beacon arrives in an update, counted once", async () => {
  const path = `/product/update-${Date.now()}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${system.demoUrl}${path}?delay=0&img_delay=0`, { waitUntil: "load" });
  await agentRunning(page);
  await observed(page, "largest-contentful-paint");
  // The shopper switches tabs and comes back.
  await setVisibility(page, "hidden");
  await setVisibility(page, "visible");
  await page.evaluate(() => {
    const b = document.createElement("div");
    b.style.height = "300px";
    b.textContent = "late banner";
    document.body.insertBefore(b, document.body.firstChild);
  });
  // The agent sees the shift in the same observer callback round as this one.
  await page.evaluate(
    () =>
      new Promise((resolve) =>
        new PerformanceObserver((list, o) => {
          if (list.getEntries().some((e) => e.value > 0)) o.disconnect(), resolve();
        }).observe({ type: "layout-shift", buffered: true })
      )
  );
  await leave(page);

  const sql = `SELECT seq, cls FROM ${system.database}.page_views WHERE path = '${path}' ORDER BY seq`;
  const rows = await waitFor(sql, (r) => r.length >= 2, "the first beacon and an update");
  assert.equal(rows.length, 2, `first beacon and one update: ${JSON.stringify(rows)}`);
  assert.equal(rows[0].cls, 0);
  assert.ok(rows[1].cls > 0, "the update carries the grown CLS");
  // Counted once, with the final CLS, before and after merges.
  const once = `SELECT count() AS views, argMax(cls, seq) AS cls FROM (SELECT page_view_id, seq, cls FROM ${system.database}.page_views WHERE path = '${path}') GROUP BY page_view_id`;
  for (const phase of ["before", "after"]) {
    if (phase === "after") await exec(`OPTIMIZE TABLE ${system.database}.page_views FINAL`);
    const views = await query(once);
    assert.equal(views.length, 1, `one page view id: ${JSON.stringify(views)}`);
    const [r] = views;
    // Raw rows: both beacons until a merge collapses them; OPTIMIZE FINAL always does.
    assert.ok(phase === "after" ? Number(r.views) === 1 : [1, 2].includes(Number(r.views)), `${phase}: ${r.views} rows`);
    assert.equal(r.cls, rows[1].cls, `final CLS ${phase} OPTIMIZE`);
    const final = await query(`SELECT count() AS n FROM ${system.database}.page_views FINAL WHERE path = '${path}'`);
    assert.equal(Number(final[0].n), 1, `one page view ${phase} OPTIMIZE`);
  }
});

test("a page hidden before its first paint reports no FCP or LCP", async () => {
  const path = `/product/hidden-${Date.now()}`;
  const context = await browser.newContext();
  // The tab is in the background from the start (opened with a middle click, say). Set up
  // before web-vitals, which reads the visibility when it starts.
  await context.addInitScript(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  });
  await installWebVitals(context);
  const page = await context.newPage();
  await page.goto(`${system.demoUrl}${path}?delay=0&img_delay=0`, { waitUntil: "load" });
  await agentRunning(page);
  // The browser painted (web-vitals and the agent were handed the entry), so the missing
  // FCP below is their decision, not a paint still to come.
  await observed(page, "paint", { name: "first-contentful-paint" });
  const wv = await webVitalsSoFar(page);
  await leave(page);

  const [row] = await pageViews(path, 1);
  assert.equal(wv.FCP, undefined, "web-vitals reports no FCP either");
  assert.equal(row.fcp_ms, null);
  assert.equal(row.lcp_ms, null);
  close(row.ttfb_ms, wv.TTFB, "TTFB");
});

// Soft navigations: on a client-side-routed page, the agent and web-vitals 6.2.3
// (`reportSoftNavs`) on the same page report the same views, with the same URL, FCP, LCP,
// INP and CLS each; ClickHouse holds one row per view, and every report the collector serves
// counts each view once. Without the browser's API, a visit is one page view.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, agentRunning, leave, observed, setVisibility, shopperUserAgent } from "./lib/browser.mjs";
import { exec, query, waitFor } from "./lib/clickhouse.mjs";
import { startSystem, freshDatabase, tearDown } from "./lib/system.mjs";
import { servePages } from "./lib/pages.mjs";
import { installWebVitals, webVitalsViews } from "./lib/webvitals.mjs";

let system, browser, site;
/** The report API's bearer token (the dashboard's password). */
const PASSWORD = "e2e-softnav-reports";

// Each route renders a large block of text (the browser counts a soft navigation only when
// the interaction that changed the URL also painted enough new content), a slow button
// (`?slow` ms of work in its click handler, for INP; each above the 104 ms below which the
// browser does not buffer event entries, so the test can wait for it after the click), and,
// where `shift` is set, a banner
// that pushes the content down 700 ms later (past the 500 ms after input that layout-shift
// entries ignore), for CLS.
const ROUTES = {
  "/spa/list": { group: "list", slow: 120, shift: false },
  "/spa/product/espresso": { group: "product", slow: 200, shift: true },
  "/spa/cart": { group: "cart", slow: 130, shift: true },
  "/spa/checkout": { group: "checkout", slow: 0, shift: false },
};

function spaPage(collectorUrl, siteKey = "demo") {
  return `<!doctype html><html><head><meta charset="utf-8"><title>SPA</title>
<style>body{margin:0;font:18px sans-serif} main p{font-size:40px;line-height:48px;margin:8px}</style>
<script async src="${collectorUrl}/rum.js" data-site="${siteKey}" data-page-group="list"></script></head>
<body><nav><a id="to-list" href="/spa/list">list</a> <a id="to-product" href="/spa/product/espresso">product</a>
<a id="to-cart" href="/spa/cart">cart</a> <a id="to-checkout" href="/spa/checkout">checkout</a>
<button id="slow">slow</button></nav><main id="app"></main>
<script>
const ROUTES = ${JSON.stringify(ROUTES)};
function busy(ms) { const end = performance.now() + ms; while (performance.now() < end); }
function render() {
  const r = ROUTES[location.pathname];
  app.innerHTML = "<h1>" + location.pathname + "</h1>" +
    Array.from({ length: 6 }, (_, i) => "<p>" + r.group + " line " + i + " with enough words to paint a wide block</p>").join("");
  if (r.shift) setTimeout(() => {
    const b = document.createElement("div");
    b.style.height = "160px";
    b.textContent = "late banner";
    app.prepend(b);
  }, 700);
}
document.addEventListener("click", (e) => {
  const a = e.target.closest("a");
  if (a) {
    e.preventDefault();
    history.pushState({}, "", a.getAttribute("href") + "?from=" + encodeURIComponent(location.pathname));
    window.rum = window.rum || [];
    rum.push(["group", ROUTES[location.pathname].group]);
    render();
  } else if (e.target.id === "slow") busy(ROUTES[location.pathname].slow);
});
render();
</script></body></html>`;
}

before(async () => {
  system = await startSystem({ database: freshDatabase("rum_e2e_softnav"), collectorEnv: { RUM__DASHBOARD__PASSWORD: PASSWORD } });
  site = await servePages((path) => (path.startsWith("/spa/") ? { body: spaPage(system.collectorUrl) } : undefined));
  browser = await launch({ userAgent: shopperUserAgent() });
});

after(() => tearDown({ browser, pages: [site], system }));

/** How many `soft-navigation` entries the browser has emitted on `page`, once at least `n`. */
async function softNavigations(page, n) {
  await page.waitForFunction((n) => performance.getEntriesByType("soft-navigation").length >= n, n, { timeout: 15000 });
  return page.evaluate(() => performance.getEntriesByType("soft-navigation").length);
}

/** The stored rows of this test's database, of `siteKey` when given, once they name at least
 *  `count` page views, in the order they arrived. Rows are beacons until a merge keeps only
 *  the highest seq of a page view. */
async function beacons(count, siteKey) {
  const where = siteKey ? `WHERE site = '${siteKey}'` : "";
  const sql = `SELECT page_view_id, seq, url, navigation_type, root_page_view_id, page_group, fcp_ms, lcp_ms, inp_ms, cls, ttfb_ms,
      inp_rating, inp_script_url, toUnixTimestamp(received_at) AS received
    FROM ${system.database}.page_views ${where} ORDER BY received_at, seq`;
  await waitFor(sql, (r) => new Set(r.map((x) => x.page_view_id)).size >= count, `${count} page views`);
  await new Promise((r) => setTimeout(r, 800)); // any later update of the same views
  return query(sql);
}

/** The latest beacon of each page view in `rows`, in the order the views began. */
function latest(rows) {
  const last = new Map();
  for (const r of rows) if (!last.has(r.page_view_id) || last.get(r.page_view_id).seq < r.seq) last.set(r.page_view_id, r);
  return [...last.values()];
}

/** Latest beacon of each page view of this test's database, in the order they began. */
async function views(count) {
  return latest(await beacons(count));
}

function close(actual, expected, what, tolerance = 1) {
  assert.ok(expected !== undefined, `web-vitals reported ${what}`);
  assert.ok(actual !== null && actual !== undefined, `agent reported ${what}`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: agent ${actual} vs web-vitals ${expected}`);
}

/** The shopper's visit to the SPA at `origin`: a slow click on the list, then three soft
 *  navigations, each with a slow click where the route has one and a late banner where it
 *  has one; then the page is hidden. */
async function visit(page, origin = site.url) {
  await page.goto(`${origin}/spa/list?utm=mail`, { waitUntil: "load" });
  await agentRunning(page);
  await observed(page, "largest-contentful-paint");
  let soft = 0;
  for (const to of [null, "product", "cart", "checkout"]) {
    if (to) {
      await page.click(`#to-${to}`);
      await softNavigations(page, ++soft);
    }
    const route = ROUTES[new URL(page.url()).pathname];
    if (route.shift) await page.waitForFunction(() => document.querySelector("main div")?.textContent === "late banner");
    if (route.shift) await page.waitForTimeout(100); // the shift's entry reaches both observers
    if (route.slow) {
      const before = await page.evaluate(() => performance.now());
      await page.click("#slow");
      // This click's entry: event durations are rounded to 8 ms, so one of `slow` ms of work
      // may read a few ms less.
      await observed(page, "event", { name: "click", field: "duration", above: route.slow - 8, after: before });
    }
    await page.waitForTimeout(300); // web-vitals handles entries in an idle callback
  }
  await setVisibility(page, "hidden");
  await page.waitForTimeout(300);
}

test("three soft navigations: four page views, each as web-vitals 6.2.3 reports it", async () => {
  const context = await browser.newContext();
  await installWebVitals(context, { softNavs: true });
  const page = await context.newPage();
  await visit(page);
  const wv = await webVitalsViews(page);
  await leave(page);

  // received_at has whole seconds, and a view's final beacon can land with the next one's:
  // put the rows in the visit's order (each route is visited once).
  const order = Object.keys(ROUTES);
  const rows = (await views(4)).sort((a, b) => order.indexOf(new URL(a.url).pathname) - order.indexOf(new URL(b.url).pathname));
  assert.equal(wv.length, 4, `web-vitals saw four views: ${JSON.stringify(wv)}`);
  assert.equal(rows.length, 4, `one row per view: ${JSON.stringify(rows)}`);
  const [hard, ...soft] = rows;
  assert.deepEqual(
    rows.map((r) => r.url),
    wv.map((v) => v.url.split(/[?#]/)[0]),
    "the same URL per view, without its query"
  );
  assert.deepEqual(rows.map((r) => r.navigation_type), ["navigate", "soft_navigation", "soft_navigation", "soft_navigation"]);
  assert.deepEqual(
    rows.map((r) => r.page_group),
    ["list", "product", "cart", "checkout"],
    "data-page-group, then the group each route pushed"
  );
  assert.equal(hard.root_page_view_id, "", "the hard view has no root");
  for (const r of soft) {
    assert.equal(r.root_page_view_id, hard.page_view_id, "each soft view names the hard view");
    assert.equal(r.ttfb_ms, 0, "soft views have TTFB 0");
  }
  rows.forEach((r, i) => {
    const v = wv[i], at = `view ${i + 1} (${r.url})`;
    close(r.fcp_ms, v.FCP, `FCP of ${at}`);
    close(r.lcp_ms, v.LCP, `LCP of ${at}`);
    if (v.INP === undefined) assert.equal(r.inp_ms, null, `no INP for ${at}, as web-vitals`);
    else close(r.inp_ms, v.INP, `INP of ${at}`);
    close(r.cls, v.CLS, `CLS of ${at}`, 0.0001);
  });
  assert.ok(rows[1].cls > 0 && rows[2].cls > 0, "the banners shifted the product and cart views");
  assert.equal(rows[3].cls, 0, "CLS restarts with each view");
  assert.ok(rows[1].inp_ms >= 200 && rows[0].inp_ms < 200, "INP restarts with each view");

  // One row per page view after merges (the reports: the last test).
  await exec(`OPTIMIZE TABLE ${system.database}.page_views FINAL`);
  const counted = await query(`SELECT count() AS n, uniqExact(page_view_id) AS ids FROM ${system.database}.page_views FINAL`);
  assert.deepEqual([Number(counted[0].n), Number(counted[0].ids)], [4, 4]);
});

test("without the soft-navigation API a visit stays one page view", async () => {
  await exec(`TRUNCATE TABLE ${system.database}.page_views`);
  const context = await browser.newContext();
  // Chromium 156 has no switch that turns soft navigations off (they shipped unflagged in
  // 151); a browser without them is one without the interface both libraries detect.
  await context.addInitScript(() => {
    window.__softNavs = 0;
    new PerformanceObserver((l) => (window.__softNavs += l.getEntries().length)).observe({ type: "soft-navigation" });
    delete window.PerformanceSoftNavigation;
  });
  await installWebVitals(context, { softNavs: true });
  const page = await context.newPage();
  await visit(page);
  const wv = await webVitalsViews(page);
  const emitted = await page.evaluate(() => window.__softNavs);
  await leave(page);

  assert.equal(emitted, 3, "the browser still detected the three soft navigations");
  assert.equal(wv.length, 1, "web-vitals reports one view");
  const rows = await views(1);
  assert.equal(rows.length, 1, `one page view: ${JSON.stringify(rows)}`);
  assert.equal(rows[0].navigation_type, "navigate");
  assert.equal(rows[0].root_page_view_id, "");
  close(rows[0].inp_ms, wv[0].INP, "INP over the whole visit");
  close(rows[0].cls, wv[0].CLS, "CLS over the whole visit", 0.0001);
});

/** Rows of report `name` from the collector's report API (as the dashboard reads them). */
async function report(name, params) {
  const res = await fetch(`${system.collectorUrl}/v1/reports/${name}?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${PASSWORD}` },
  });
  const body = await res.text();
  assert.equal(res.status, 200, `report ${name}: ${body}`);
  return JSON.parse(body).rows;
}

/** The sum of column `column` over `rows`. */
function total(rows, column = "page_views") {
  return rows.reduce((n, r) => n + Number(r[column]), 0);
}

/** Page views per page group in `rows`. */
function byGroup(rows) {
  return Object.fromEntries(rows.map((r) => [r.page_group, Number(r.page_views)]));
}

/** Runs `checks` (report name → check of its rows) and names the report and `when` in a failure. */
async function checkReports(checks, window, when) {
  for (const [name, check] of Object.entries(checks)) {
    if (!check) continue;
    const r = await report(name, window);
    try {
      check(r);
    } catch (e) {
      e.message = `report ${name} ${when}: ${e.message}\n${JSON.stringify(r)}`;
      throw e;
    }
  }
}

test("each of the four views is one page view, counted once in every report", async () => {
  // A site of its own, so that the reports (and the rollups, which the other tests' cleanup
  // does not empty) hold this visit and nothing else.
  const SITE = "softnav-count";
  const table = `${system.database}.page_views`;
  // Merges stopped: every beacon stays a row of its own, the state a report that forgets
  // FINAL or counts beacons would count twice. The reports run again once merged.
  await exec(`SYSTEM STOP MERGES ${table}`);
  const counted = await servePages((path) => (path.startsWith("/spa/") ? { body: spaPage(system.collectorUrl, SITE) } : undefined));
  const context = await browser.newContext();
  const page = await context.newPage();
  const from = Math.floor(Date.now() / 1000) - 120;
  await visit(page, counted.url);
  // The last view's beacon went at hide; back on the tab, a slow click changes its INP, so
  // the next hide sends an update of the same view (seq 2): a view may have several beacons.
  await setVisibility(page, "visible");
  await page.evaluate(() => (ROUTES["/spa/checkout"].slow = 150));
  await page.click("#slow");
  await observed(page, "event", { name: "click", field: "duration", above: 150 });
  await setVisibility(page, "hidden");
  await leave(page);
  await context.close();
  await counted.close();
  const update = `SELECT seq FROM ${table} WHERE site = '${SITE}' AND page_group = 'checkout'`;
  await waitFor(update, (r) => r.some((x) => x.seq > 1), "the last view's update");
  const rows = await beacons(4, SITE);
  const last = latest(rows);

  // In the data: four page-view ids, each with one first beacon (seq 1, what the rollups
  // count) and distinct seqs after it (what FINAL collapses to the highest).
  assert.equal(last.length, 4, `four page views: ${JSON.stringify(rows)}`);
  assert.deepEqual(last.map((r) => r.navigation_type).sort(), ["navigate", "soft_navigation", "soft_navigation", "soft_navigation"]);
  for (const { page_view_id: id, page_group: group } of last) {
    const seqs = rows.filter((r) => r.page_view_id === id).map((r) => r.seq);
    assert.equal(seqs.filter((s) => s === 1).length, 1, `one first beacon of ${group}: seqs ${seqs}`);
    assert.equal(new Set(seqs).size, seqs.length, `no beacon of ${group} stored twice: seqs ${seqs}`);
  }
  assert.ok(last.find((r) => r.page_group === "checkout").seq > 1, "the last view sent more than one beacon");
  const final = await query(`SELECT count() AS n FROM ${table} FINAL WHERE site = '${SITE}'`);
  assert.equal(Number(final[0].n), 4, "FINAL (what the raw-row reports read) gives one row per view");

  // What each report must count, from the views' latest beacons (reports over page_views
  // FINAL) or their first ones (the rollups, and the release verdict and the regression
  // check that read them).
  const GROUPS = { list: 1, product: 1, cart: 1, checkout: 1 };
  const withInp = last.filter((r) => r.inp_ms !== null);
  const scripted = withInp.filter((r) => r.inp_script_url !== "");
  const slowScripted = scripted.filter((r) => ["needs-improvement", "poor"].includes(r.inp_rating));
  assert.ok(withInp.length >= 3, `the slow clicks gave INP: ${JSON.stringify(last)}`);
  const firstWithInp = rows.filter((r) => r.seq === 1 && r.inp_ms !== null).length;
  assert.equal(firstWithInp, withInp.length - 1, "the checkout view's INP came after its first beacon");
  const METRICS = ["ttfb_ms", "fcp_ms", "lcp_ms", "inp_ms", "cls"]; // Metric::ALL, the regression check's order
  const window = { site: SITE, from, to: Math.floor(Date.now() / 1000) + 120 };
  const ours = (r) => r.site === SITE; // the reports that cover every site
  const CHECKS = {
    by_country: (r) => assert.equal(total(r), 4),
    by_device: (r) => assert.equal(total(r), 4),
    checkout: (r) => assert.deepEqual(byGroup(r), { cart: 1, checkout: 1 }),
    cwv_pass_rate: (r) => assert.deepEqual(byGroup(r), GROUPS),
    cwv_summary: (r) => assert.deepEqual(r.map((x) => x.page_views), [4]),
    inp_scripts: (r) => {
      for (const level of ["origin", "script"]) {
        const at = r.filter((x) => x.level === level);
        assert.equal(total(at), scripted.length, `${level}s: views whose INP names a script`);
        assert.equal(total(at, "slow_page_views"), slowScripted.length, `${level}s: of those, not good`);
      }
    },
    inp_targets: (r) => assert.equal(total(r), withInp.length, "views with an INP"),
    percentiles: (r) => assert.deepEqual(byGroup(r), GROUPS),
    // First beacons, from the rollup of the release verdict: INP only for the views whose
    // slow click came before it. One row per (group, metric, bin); the collector adds the
    // groups up into the all-groups check, so the report has no '' rows of its own.
    regressions: (r) => {
      const current = r.filter((x) => ours(x) && x.span === 0);
      const withValue = { ttfb_ms: 4, fcp_ms: 4, lcp_ms: 4, inp_ms: firstWithInp, cls: 4 };
      METRICS.forEach((column, m) => {
        assert.equal(total(current.filter((x) => x.metric === m)), withValue[column], `${column}, all groups`);
      });
      const ttfb = Object.keys(GROUPS).map((g) => [g, total(current.filter((x) => x.page_group === g && x.metric === 0))]);
      assert.deepEqual(Object.fromEntries(ttfb), GROUPS, "TTFB per group");
    },
    // Per release, sample rate and metric: bins and their page views. First beacons, as in
    // every rollup.
    release_histograms: (r) => {
      const views = Object.fromEntries(r.map((x) => [x.metric, JSON.parse(x.counts).reduce((n, c) => n + c, 0)]));
      assert.deepEqual(views, { ttfb: 4, fcp: 4, lcp: 4, inp: firstWithInp, cls: 4 });
    },
    releases: (r) => assert.equal(total(r), 4),
    // Compares two releases; the visit has one (none), so the report refuses: no count.
    compare: null,
    signals: (r) => {
      for (const w of [5, 15]) {
        const at = r.filter((x) => ours(x) && x.window_minutes === w && x.prev === 0);
        assert.equal(total(at.filter((x) => x.page_group === "")), 4, `${w} minutes, all groups`);
        assert.deepEqual(byGroup(at.filter((x) => x.page_group !== "")), GROUPS, `${w} minutes, per group`);
      }
    },
    timeseries: (r) => assert.equal(total(r), 4),
    traffic: (r) => assert.deepEqual([total(r), total(r, "bot_page_views")], [4, 0]),
    // Complete minutes only: checked below, once the visit's last minute is over.
    traffic_history: null,
    // Only paths with at least 5 page views; each of the visit's paths has one.
    worst_pages: (r) => assert.deepEqual(r, []),
  };
  const listed = await fetch(`${system.collectorUrl}/v1/reports`, { headers: { authorization: `Bearer ${PASSWORD}` } });
  const names = (await listed.json()).reports;
  assert.deepEqual([...names].sort(), Object.keys(CHECKS).sort(), "every report the API serves is checked here (or says why not)");
  await checkReports(CHECKS, window, "before merges");

  // Merged: each view is one row, with its highest seq (what ClickHouse does in time anyway).
  await exec(`SYSTEM START MERGES ${table}`);
  await exec(`OPTIMIZE TABLE ${table} FINAL`);
  const merged = await query(`SELECT count() AS n FROM ${table} WHERE site = '${SITE}'`);
  assert.equal(Number(merged[0].n), 4, "one row per view once merged");
  await checkReports(CHECKS, window, "after merges");

  // traffic_history ends at the last complete minute: wait (at most a minute) for ClickHouse's
  // clock to pass the minute of the visit's last beacon.
  const lastMinute = Math.floor(Math.max(...rows.map((r) => Number(r.received))) / 60) * 60;
  await waitFor(`SELECT toUInt32(toStartOfMinute(now())) AS m`, (r) => Number(r[0].m) > lastMinute, "the next minute", 75000);
  const history = (await report("traffic_history", window)).filter(ours);
  assert.equal(total(history), 4, `report traffic_history: ${JSON.stringify(history)}`);
});

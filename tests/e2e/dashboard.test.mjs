// The built-in dashboard in real headless Chromium, after generated traffic: charts drawn with
// data, p75 numbers equal to `collector report`, no console errors, a screenshot kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launch, shopperUserAgent } from "./lib/browser.mjs";
import { clickhouseUrl } from "./lib/clickhouse.mjs";
import { startSystem, freshDatabase, tearDown, ROOT, BIN } from "./lib/system.mjs";

const PASSWORD = "e2e-dashboard-password";
const ARTIFACTS = path.join(ROOT, "tests/e2e/artifacts");
let system, browser;

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

/** What `collector report NAME` prints as JSON for the same database and window. */
function cliReport(name, { site, from, to }) {
  const out = execFileSync(
    path.join(BIN, "collector"),
    ["report", name, "--site", site, "--from", String(from), "--to", String(to), "--format", "json"],
    { env: { ...process.env, CLICKHOUSE_URL: clickhouseUrl(), RUM__CLICKHOUSE__DATABASE: system.database } },
  );
  return JSON.parse(out);
}

/** A counter from the collector's /metrics. */
async function counter(name) {
  const text = await (await fetch(`${system.collectorUrl}/metrics`)).text();
  const line = text.match(new RegExp(`^${name} (\\d+)$`, "m"));
  if (!line) throw new Error(`${name} missing from /metrics:\n${text}`);
  return Number(line[1]);
}

/**
 * Waits until ClickHouse has acknowledged every beacon the collector accepted (and some
 * were). Rows are not counted: merges fold a page view's updates into one row meanwhile.
 * Throws with both counts after `ms`.
 */
async function settled(ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const [acceptedBeacons, insertedRows] = [await counter("rum_beacons_accepted_total"), await counter("rum_insert_rows_total")];
    if (acceptedBeacons > 0 && insertedRows === acceptedBeacons) return acceptedBeacons;
    if (Date.now() > deadline) throw new Error(`after ${ms} ms ${insertedRows} rows inserted, ${acceptedBeacons} beacons accepted`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  system = await startSystem({
    database: freshDatabase("rum_e2e_dashboard"),
    collectorEnv: {
      RUM__DASHBOARD__PASSWORD: PASSWORD,
      // The load generator spreads client IPs over countries through X-Forwarded-For.
      RUM__SERVER__TRUSTED_PROXIES: '["127.0.0.1"]',
      RUM__SIGNALS__REFRESH_MS: "1000",
    },
  });
  // Real shoppers (real agent, LCP elements, interactions) plus generated volume.
  await run(process.execPath, ["tests/e2e/shoppers.mjs", "--demo", system.demoUrl, "--journeys", "4", "--parallel", "2"]);
  await run(path.join(BIN, "loadtest"), [
    "run", "--collector", system.collectorUrl, "--site", "demo", "--rate", "150", "--ramp", "0",
    "--seconds", "3", "--bad-pct", "0", "--sampled-pct", "0", "--dir", mkdtempSync(path.join(tmpdir(), "rum-e2e-lt-")),
  ]);
  // Slow interactions with the Long Animation Frame attribution the agent sends, so the
  // scripts table has a first-party and a third-party origin whatever the shoppers did.
  const scripts = ["http://127.0.0.1/spa/app.js", "https://widget.example/w.js", "https://widget.example/w.js"];
  for (const [i, script] of scripts.entries()) {
    const beacon = { v: 1, site: "demo", pv: `e2e-scripts-${i}`, seq: 1, url: "http://127.0.0.1/spa/", group: "spa", inp: 300 + i, inp_script_url: script, inp_script_ms: 150 };
    const res = await fetch(`${system.collectorUrl}/v1/beacon`, {
      method: "POST",
      headers: { "content-type": "text/plain", "user-agent": shopperUserAgent(false) },
      body: JSON.stringify(beacon),
    });
    assert.equal(res.status, 204, await res.text());
  }
  await settled();
  browser = await launch();
});

after(() => tearDown({ browser, system }));

async function openDashboard(search, credentials = { username: "rum", password: PASSWORD }) {
  const context = await browser.newContext({ httpCredentials: credentials, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(e.message));
  const response = await page.goto(`${system.collectorUrl}/dashboard${search}`);
  return { page, response, problems };
}

test("the dashboard draws the reports with the numbers `collector report` prints", async () => {
  const to = Math.floor(Date.now() / 1000) + 60;
  const from = to - 3600;
  const { page, response, problems } = await openDashboard(`?site=demo&from=${from}&to=${to}`);
  assert.equal(response.status(), 200);
  await page.waitForFunction(() => document.body.dataset.state !== "loading", null, { timeout: 20000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), "ready", await page.textContent("#status"));

  // Charts drawn with data, not empty.
  for (const id of ["chart-views", "chart-ttfb", "chart-lcp", "chart-inp"]) {
    const drawn = await page.$eval(`#${id}`, (el) => ({
      points: Number(el.dataset.points),
      marks: el.querySelectorAll("path.series, circle.dot").length,
      empty: el.querySelector(".nodata") !== null,
    }));
    assert.ok(drawn.points > 0 && drawn.marks > 0 && !drawn.empty, `${id}: ${JSON.stringify(drawn)}`);
  }

  // The Core Web Vitals cards equal the command line's report for the same window.
  const [cli] = cliReport("cwv_summary", { site: "demo", from, to });
  assert.ok(cli.page_views > 100, `traffic landed: ${cli.page_views}`);
  const cards = await page.$$eval("[data-metric]", (els) =>
    els.map((el) => ({ metric: el.dataset.metric, p75: el.dataset.p75, text: el.querySelector(".p75").textContent })),
  );
  assert.deepEqual(cards.map((c) => c.metric), ["lcp", "inp", "cls", "fcp", "ttfb"]);
  for (const c of cards) {
    const want = cli[`${c.metric}_p75`];
    assert.equal(Number(c.p75), want, `${c.metric} p75 on the page vs collector report`);
    const shown = c.metric === "cls" ? want.toFixed(3) : `${Math.round(want).toLocaleString("en-US")} ms`;
    assert.equal(c.text, shown, `${c.metric} shown as ${shown}`);
  }

  // The page-group table: the same p75 LCP per group as `collector report percentiles`.
  const groups = cliReport("percentiles", { site: "demo", from, to });
  const table = await page.$$eval("#table-groups tbody tr", (rows) =>
    rows.map((r) => [r.querySelector('[data-col="page_group"]').textContent, r.querySelector('[data-col="lcp_p75"]').textContent]),
  );
  assert.deepEqual(
    table,
    // The SPA's views have no group here (no path rules): the table shows "–" for none.
    groups.map((g) => [g.page_group || "–", g.lcp_p75 === null ? "–" : `${Math.round(g.lcp_p75).toLocaleString("en-US")} ms`]),
  );
  // The scripts table: the rows `collector report inp_scripts` prints, in its order.
  const scripts = cliReport("inp_scripts", { site: "demo", from, to });
  assert.ok(scripts.some((r) => r.party === "first") && scripts.some((r) => r.party === "third"), JSON.stringify(scripts));
  const shownScripts = await page.$$eval("#table-inp-scripts tbody tr", (rows) =>
    rows.map((r) => ["origin", "script", "slow_page_views"].map((c) => r.querySelector(`[data-col="${c}"]`).textContent)),
  );
  assert.deepEqual(shownScripts, scripts.map((r) => [r.origin, r.script || "–", r.slow_page_views.toLocaleString("en-US")]));
  for (const id of ["table-worst", "table-inp", "table-inp-scripts", "table-country", "table-device"]) {
    assert.ok((await page.$$(`#${id} tbody tr`)).length > 0, `${id} has rows`);
  }
  // More than one country: the geo enrichment reached the breakdown.
  assert.ok((await page.$$("#table-country tbody tr")).length > 1);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, "dashboard.png"), fullPage: true });
  assert.deepEqual(problems, [], "no console errors");
});

test("filters live in the URL; an empty site says no data plainly", async () => {
  const { page, problems } = await openDashboard("?site=nobody-here&since=15m");
  await page.waitForFunction(() => document.body.dataset.state === "ready", null, { timeout: 20000 });
  assert.equal(await page.evaluate(() => document.body.dataset.status), "nodata");
  assert.match(await page.textContent("#status"), /no data/);
  assert.equal(await page.$eval("#chart-lcp", (el) => el.dataset.points), "0");
  // Choosing another range rewrites the URL, so the view can be shared.
  await page.selectOption("#range", "6h");
  await page.waitForFunction(() => location.search.includes("since=6h"));
  assert.match(await page.evaluate(() => location.search), /site=nobody-here/);
  assert.deepEqual(problems, []);
});

test("without credentials the dashboard answers 401", async () => {
  const { response } = await openDashboard("", { username: "rum", password: "wrong" });
  assert.equal(response.status(), 401);
  const api = await fetch(`${system.collectorUrl}/v1/reports/percentiles`);
  assert.equal(api.status, 401);
});

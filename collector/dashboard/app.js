// The dashboard: reads the filters from the URL, asks the report API and the signals, and
// draws cards, charts and tables; refreshes itself every few seconds.
import { cdfChart, lineChart } from "./charts.js";

const REFRESH_MS = 10_000;
const $ = (id) => document.getElementById(id);

// Core Web Vitals thresholds (good ≤ first, poor > second), as web-vitals and the collector.
const METRICS = [
  { key: "lcp", name: "LCP", long: "Largest Contentful Paint", good: 2500, poor: 4000 },
  { key: "inp", name: "INP", long: "Interaction to Next Paint", good: 200, poor: 500 },
  { key: "cls", name: "CLS", long: "Cumulative Layout Shift", good: 0.1, poor: 0.25 },
  { key: "fcp", name: "FCP", long: "First Contentful Paint", good: 1800, poor: 3000 },
  { key: "ttfb", name: "TTFB", long: "Time to First Byte", good: 800, poor: 1800 },
];

const ms = (v) => (v === null || v === undefined ? "–" : `${Math.round(v).toLocaleString("en-US")} ms`);
const fmt = (key, v) => (v === null || v === undefined ? "–" : key === "cls" ? v.toFixed(3) : ms(v));
const rating = (m, v) => (v === null ? "none" : v <= m.good ? "good" : v <= m.poor ? "ni" : "poor");

// ---- filters, kept in the URL -------------------------------------------------------------

function readFilters() {
  const q = new URLSearchParams(location.search);
  const f = { site: q.get("site") || "", group: q.get("group") || "", bots: q.get("include_bots") === "true" };
  if (q.get("from")) {
    f.from = Number(q.get("from"));
    f.to = Number(q.get("to")) || Math.floor(Date.now() / 1000);
    f.range = "custom";
  } else {
    f.range = q.get("since") || "1h";
  }
  return f;
}

function writeFilters(f) {
  history.replaceState(null, "", `${location.pathname}?${scope(f)}`);
}

/** The report API's query string for the filters; the page's own URL carries the same. */
function scope(f, { site = f.site, group = f.group } = {}) {
  const q = new URLSearchParams();
  if (site) q.set("site", site);
  if (group) q.set("group", group);
  if (f.range === "custom") {
    q.set("from", f.from);
    q.set("to", f.to);
  } else {
    q.set("since", f.range);
  }
  if (f.bots) q.set("include_bots", "true");
  return q;
}

const toLocalInput = (secs) => {
  const d = new Date(secs * 1000);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
};
const fromLocalInput = (s) => Math.floor(new Date(s).getTime() / 1000);

function showFilters(f) {
  $("range").value = f.range;
  $("custom").hidden = f.range !== "custom";
  if (f.range === "custom") {
    $("from").value = toLocalInput(f.from);
    $("to").value = toLocalInput(f.to);
  }
  $("bots").checked = f.bots;
}

function setOptions(select, values, current, allLabel) {
  const opts = allLabel === undefined ? [] : [["", allLabel]];
  for (const v of values) opts.push([v, v]);
  if (current && !values.includes(current)) opts.push([current, current]);
  select.replaceChildren(
    ...opts.map(([v, label]) => {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = label;
      return o;
    }),
  );
  select.value = current;
}

// ---- data ---------------------------------------------------------------------------------

async function api(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${path.split("?")[0]}: ${res.status} ${body.error || ""}`.trim());
  return body;
}

const report = (name, q) => api(`/v1/reports/${name}?${q}`);
// ClickHouse prints the reports' minutes in UTC.
const minuteMs = (s) => Date.parse(`${s.replace(" ", "T")}Z`);

// ---- rendering ----------------------------------------------------------------------------

function renderVitals(row) {
  const cards = METRICS.map((m) => {
    const p75 = row ? row[`${m.key}_p75`] : null;
    const card = document.createElement("article");
    card.className = `card ${rating(m, p75)}`;
    card.dataset.metric = m.key;
    card.dataset.p75 = p75 === null ? "" : String(p75);
    const head = document.createElement("h3");
    head.textContent = m.name;
    head.title = m.long;
    const value = document.createElement("div");
    value.className = "p75";
    value.textContent = fmt(m.key, p75);
    const bar = document.createElement("div");
    bar.className = "bar";
    const legend = document.createElement("div");
    legend.className = "shares";
    for (const [part, label] of [["good", "good"], ["ni", "needs improvement"], ["poor", "poor"]]) {
      const pct = row ? row[`${m.key}_${part}_pct`] : null;
      const seg = document.createElement("span");
      seg.className = part;
      seg.style.width = `${pct || 0}%`;
      seg.title = `${label}: ${pct ?? "–"} %`;
      bar.append(seg);
      const text = document.createElement("span");
      text.textContent = pct === null || pct === undefined ? "" : `${pct}%`;
      text.className = part;
      legend.append(text);
    }
    card.append(head, value, bar, legend);
    return card;
  });
  $("vitals").replaceChildren(...cards);
  $("views").textContent = row ? `· ${row.page_views.toLocaleString("en-US")} page views` : "";
}

function renderCharts(f, rows, signal, span) {
  const [x0, x1] = span;
  const points = (col) => rows.map((r) => [minuteMs(r.minute), r[col]]);
  const live = f.range !== "custom";
  const now = Date.now();
  // The forecast (page views per second for the whole site) drawn ahead of now, per minute.
  let band = null;
  const forecast = [];
  if (live && signal && signal.forecast) {
    const complete = rows.filter((r) => minuteMs(r.minute) < Math.floor(now / 60e3) * 60e3);
    const last = complete.length ? complete[complete.length - 1] : null;
    const start = last ? [[minuteMs(last.minute), last.page_views, last.page_views]] : [];
    // +5 and +15 minutes: +60 would squeeze the measured hour into a corner.
    const ahead = Object.entries(signal.forecast)
      .map(([h, v]) => [now + parseInt(h.slice(1), 10) * 60e3, v])
      .filter(([t]) => t <= now + 15 * 60e3)
      .filter(([, v]) => v.page_views_per_second !== null)
      .map(([t, v]) => [t, v.low * 60, v.high * 60, v.page_views_per_second * 60]);
    band = { color: "rgba(26, 115, 232, 0.15)", points: [...start, ...ahead.map(([t, lo, hi]) => [t, lo, hi])] };
    forecast.push(...(last ? [[minuteMs(last.minute), last.page_views]] : []), ...ahead.map(([t, , , v]) => [t, v]));
  }
  const xEnd = forecast.length ? Math.max(x1, ...forecast.map((p) => p[0])) : x1;
  // The current minute is still filling up: drawn, it would look like a drop in traffic.
  const thisMinute = Math.floor(now / 60e3) * 60e3;
  const counted = points("page_views").filter(([t]) => !live || t < thisMinute);
  const views = [{ name: "page views", color: "#1a73e8", points: counted }];
  if (forecast.length) views.push({ name: "forecast", color: "#1a73e8", points: forecast, dashed: true, dots: false });
  lineChart($("chart-views"), {
    series: views,
    band,
    x: [x0, xEnd],
    now: live ? now : null,
    format: (v) => Math.round(v).toLocaleString("en-US"),
  });
  for (const key of ["ttfb", "lcp", "inp"]) {
    lineChart($(`chart-${key}`), {
      series: [
        { name: "p75", color: "#1a73e8", points: points(`${key}_p75`) },
        { name: "p95", color: "#e8710a", points: points(`${key}_p95`) },
      ],
      x: [x0, x1],
      now: live ? now : null,
      format: (v) => Math.round(v).toLocaleString("en-US"),
    });
  }
}

/** A table of `rows` with the given [column, heading, kind] list; kind "ms", "cls" or text. */
function renderTable(el, rows, columns) {
  if (!rows.length) {
    const p = document.createElement("p");
    p.className = "nodata";
    p.textContent = "no data";
    el.replaceChildren(p);
    return;
  }
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const [, heading, kind] of columns) {
    const th = document.createElement("th");
    th.textContent = heading;
    if (kind) th.className = "num";
    head.append(th);
  }
  const body = table.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const [col, , kind] of columns) {
      const td = tr.insertCell();
      const v = r[col];
      td.dataset.col = col;
      if (kind === "ms" || kind === "cls") {
        // A script's share of an interaction is rated on INP's scale.
        const key = col.startsWith("script_") ? "inp_" : col;
        td.className = `num ${rating(METRICS.find((m) => key.startsWith(`${m.key}_`)) || METRICS[0], v)}`;
        td.textContent = fmt(kind === "cls" ? "cls" : "ms", v);
      } else if (kind === "n") {
        td.className = "num";
        td.textContent = v === null ? "–" : v.toLocaleString("en-US");
      } else {
        td.textContent = v === null || v === "" ? "–" : v;
        td.title = td.textContent;
      }
    }
  }
  el.replaceChildren(table);
}

const P75 = [
  ["ttfb_p75", "TTFB p75", "ms"],
  ["lcp_p75", "LCP p75", "ms"],
  ["inp_p75", "INP p75", "ms"],
  ["cls_p75", "CLS p75", "cls"],
];

// ---- releases: two releases side by side, and the canary verdict -------------------------

const releasePick = { baseline: "", canary: "" };

/** A release's histogram of `metric` as CDF points [[value, share], ...], weighted. The rows of
 * `release_histograms`: one per release, sample rate and metric. */
function cdf(rows, release, metric) {
  const weights = new Map();
  for (const r of rows.filter((r) => r.release === release && r.metric === metric)) {
    const bins = JSON.parse(r.bins);
    const counts = JSON.parse(r.counts);
    bins.forEach((b, i) => weights.set(b, (weights.get(b) || 0) + counts[i] / r.sample_rate));
  }
  const keys = [...weights.keys()].sort((a, b) => a - b);
  const total = keys.reduce((t, k) => t + weights.get(k), 0);
  let cum = 0;
  return keys.map((k) => [k, (cum += weights.get(k)) / total]);
}

async function refreshReleases(f) {
  const releases = await report("releases", scope(f));
  const names = releases.rows.map((r) => r.release);
  const latest = releases.verdict;
  for (const side of ["baseline", "canary"]) {
    if (!names.includes(releasePick[side])) releasePick[side] = latest ? latest[side] : names[0] || "";
    setOptions($(side), names, releasePick[side]);
  }
  renderTable($("table-releases"), releases.rows, [
    ["release", "Release"],
    ["page_views", "Page views", "n"],
    ["ttfb_p75", "TTFB p75", "ms"],
    ["fcp_p75", "FCP p75", "ms"],
    ["lcp_p75", "LCP p75", "ms"],
    ["lcp_p95", "LCP p95", "ms"],
    ["inp_p75", "INP p75", "ms"],
    ["cls_p75", "CLS p75", "cls"],
    ["cwv_good_pct", "Good CWV %", "n"],
  ]);
  const { baseline, canary } = releasePick;
  if (!baseline || !canary || baseline === canary) {
    $("verdict").className = "status nodata";
    $("verdict").textContent = names.length < 2 ? "one release: nothing to compare" : "pick two releases";
    for (const m of ["lcp", "inp"]) cdfChart($(`cdf-${m}`), { series: [] });
    renderTable($("table-compare"), [], []);
    return;
  }
  const pair = scope(f);
  pair.set("baseline", baseline);
  pair.set("canary", canary);
  const [cmp, hist] = await Promise.all([report("compare", pair), report("release_histograms", pair)]);
  const v = cmp.verdict;
  $("verdict").className = `status ${v.pass ? "live" : "error"}`;
  $("verdict").textContent = `${v.pass ? "pass" : "fail"} · score ${Math.round(v.score)} · ${v.reason}`;
  $("verdict").dataset.pass = String(v.pass);
  for (const m of ["lcp", "inp"]) {
    cdfChart($(`cdf-${m}`), {
      series: [
        { name: `${baseline} (baseline)`, color: "#1a73e8", points: cdf(hist.rows, baseline, m) },
        { name: `${canary} (canary)`, color: "#e8710a", points: cdf(hist.rows, canary, m) },
      ],
      format: (x) => Math.round(x).toLocaleString("en-US"),
    });
  }
  renderTable($("table-compare"), cmp.rows, [
    ["metric", "Metric"],
    ["baseline_n", "Baseline n", "n"],
    ["canary_n", "Canary n", "n"],
    ["baseline_p75", "Baseline p75", "n"],
    ["canary_p75", "Canary p75", "n"],
    ["change_pct", "Change %", "n"],
    ["p_value", "p"],
    ["class", "Class"],
  ]);
}

function setStatus(kind, text) {
  const el = $("status");
  el.className = `status ${kind}`;
  el.textContent = text;
  document.body.dataset.status = kind;
}

// ---- the refresh loop ---------------------------------------------------------------------

let filters = readFilters();
let timer = null;
let generation = 0;

async function refresh() {
  clearTimeout(timer);
  const mine = ++generation;
  const f = filters;
  try {
    // Sites with page views in the window, busiest first; the site filter defaults to it.
    const everySite = await report("cwv_summary", scope(f, { site: "", group: "" }));
    const sites = everySite.rows.map((r) => r.site);
    if (!f.site && sites.length) {
      f.site = sites[0];
      writeFilters(f);
    }
    setOptions($("site"), sites, f.site);
    const q = scope(f);
    // The report is per site: without a group filter, the site's row is already at hand.
    const siteSummary = { ...everySite, rows: everySite.rows.filter((r) => r.site === f.site) };
    const [summary, series, groups, worst, inp, scripts, country, device, signals] = await Promise.all([
      f.group ? report("cwv_summary", q) : siteSummary,
      report("timeseries", q),
      report("percentiles", scope(f, { group: "" })),
      report("worst_pages", q),
      report("inp_targets", q),
      report("inp_scripts", q),
      report("by_country", q),
      report("by_device", q),
      f.site ? api(`/v1/signals?${new URLSearchParams({ site: f.site, window: "5" })}`) : null,
    ]);
    if (mine !== generation) return;
    const span = [summary.from * 1000, summary.to * 1000];
    document.body.dataset.from = summary.from;
    document.body.dataset.to = summary.to;
    setOptions($("group"), groups.rows.map((r) => r.page_group), f.group, "all");
    const row = summary.rows[0] || null;
    renderVitals(row);
    const signal = signals?.signals?.find((s) => s.page_group === null) || null;
    renderCharts(f, series.rows, f.group ? null : signal, span);
    renderTable($("table-groups"), groups.rows, [
      ["page_group", "Page group"],
      ["page_views", "Page views", "n"],
      ["ttfb_p75", "TTFB p75", "ms"],
      ["fcp_p75", "FCP p75", "ms"],
      ["lcp_p75", "LCP p75", "ms"],
      ["lcp_p95", "LCP p95", "ms"],
      ["inp_p75", "INP p75", "ms"],
      ["inp_p95", "INP p95", "ms"],
      ["cls_p75", "CLS p75", "cls"],
    ]);
    renderTable($("table-worst"), worst.rows, [
      ["path", "Page"],
      ["page_views", "Views", "n"],
      ["lcp_p75", "LCP p75", "ms"],
      ["top_lcp_element", "LCP element"],
      ["top_lcp_resource", "LCP resource"],
    ]);
    renderTable($("table-inp"), inp.rows, [
      ["inp_target", "Target"],
      ["inp_event", "Event"],
      ["page_views", "Views", "n"],
      ["inp_p75", "INP p75", "ms"],
      ["inp_p95", "INP p95", "ms"],
    ]);
    renderTable($("table-inp-scripts"), scripts.rows, [
      ["level", "Of"],
      ["origin", "Origin"],
      ["party", "Party"],
      ["script", "Script"],
      ["slow_page_views", "Slow views", "n"],
      ["slow_pct", "Share of slow, %", "n"],
      ["page_views", "Views", "n"],
      ["inp_p75", "INP p75", "ms"],
      ["script_p75", "Script p75", "ms"],
    ]);
    renderTable($("table-country"), country.rows, [["country_code", "Country"], ["page_views", "Views", "n"], ...P75]);
    renderTable($("table-device"), device.rows, [
      ["device_class", "Device"],
      ["browser", "Browser"],
      ["page_views", "Views", "n"],
      ...P75,
    ]);
    if (f.site) await refreshReleases(f);
    if (mine !== generation) return;
    if (!row) {
      setStatus("nodata", "no data in this range");
    } else if (f.range !== "custom" && signal && signal.stale) {
      const age = signal.data_age_seconds;
      setStatus("stale", age === null ? "stale: no recent data" : `stale: newest data ${Math.round(age / 60)} min old`);
    } else {
      setStatus("live", f.range === "custom" ? "fixed range" : "live");
    }
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.state = "ready";
  } catch (e) {
    if (mine !== generation) return;
    setStatus("error", `error: ${e.message}`);
    document.body.dataset.state = "error";
  } finally {
    if (mine === generation) timer = setTimeout(refresh, REFRESH_MS);
  }
}

function onFilterChange(event) {
  if (event.target.id === "baseline" || event.target.id === "canary") {
    releasePick[event.target.id] = event.target.value;
    refresh();
    return;
  }
  const f = { ...filters, site: $("site").value, group: $("group").value, bots: $("bots").checked };
  if (event.target.id === "site") f.group = "";
  const range = $("range").value;
  if (range === "custom") {
    if (f.range !== "custom") {
      // Start the custom range from the window that was on screen.
      f.to = Math.floor(Date.now() / 1000);
      f.from = f.to - (Number(document.body.dataset.to) - Number(document.body.dataset.from) || 3600);
    }
    if ($("from").value && event.target.id === "from") f.from = fromLocalInput($("from").value);
    if ($("to").value && event.target.id === "to") f.to = fromLocalInput($("to").value);
  }
  f.range = range;
  filters = f;
  writeFilters(f);
  showFilters(f);
  refresh();
}

$("filters").addEventListener("change", onFilterChange);
for (const id of ["baseline", "canary"]) $(id).addEventListener("change", onFilterChange);
$("filters").addEventListener("submit", (e) => e.preventDefault());
// No polling while nobody looks; catch up at once when the tab is shown again.
document.addEventListener("visibilitychange", () => {
  if (document.hidden) clearTimeout(timer);
  else refresh();
});
showFilters(filters);
refresh();

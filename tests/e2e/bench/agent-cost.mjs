// Main-thread time the agent adds to a page load, measured in real headless Chromium from
// performance traces (the DevTools timeline): the renderer main thread's busy time (top-level
// tasks) on a demo product page with the agent and with rum.js blocked, load to leaving, the
// median of each; plus the time in tasks that ran the agent's own code (script evaluation,
// callbacks of rum.js and its wasm, and the microtask checkpoints and wasm compile steps,
// where the loader's promise chain instantiates the wasm and runs `start()`; those carry no
// script URL, so the empty-script variant shows what the page's own microtasks add).
// Not a test: prints JSON.
// The same trace attribution for the reference a merchant compares us with: web-vitals 6.2.3
// (attribution build, all five metrics, JSON beacon on hide) served in rum.js' place.
// Also without any tracing (which slows the traced code): rum.js patched to read
// performance.now() around `start()` and around every entry into the agent's code.
//
//   node tests/e2e/bench/agent-cost.mjs [--runs 21]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { launch, leave, setVisibility, shopperUserAgent } from "../lib/browser.mjs";
import { startSystem, freshDatabase, tearDown } from "../lib/system.mjs";
import { TIMELINE_WITH_MICROTASKS, agentEntries, forcedByAgent, mainThread } from "../lib/trace.mjs";

const { values: opts } = parseArgs({ options: { runs: { type: "string", default: "21" } } });
/** Busy ms of the renderer main threads (top-level tasks) and ms of tasks running agent code. */
function attribute(trace) {
  // Promise chains (the wasm-bindgen loader's instantiation and `start()` after it) run in
  // microtask checkpoints without a script URL: counted too, as for every variant.
  const { main } = mainThread(trace);
  const busy = main.filter((e) => e.name === "RunTask").reduce((t, e) => t + (e.dur || 0), 0) / 1000;
  let agent = 0;
  // The same entries' thread CPU time (`tdur`): wall time minus the time the OS gave the
  // main thread's core to something else (other browser processes, the rest of this 2-core
  // machine), which inflates `dur` on shared cores.
  let cpu = 0;
  // Where the agent's time goes: outermost entry points by kind (script evaluation, module
  // compile, callbacks by the function that ran).
  const phases = {};
  const cpuPhases = {};
  for (const e of agentEntries(main, { microtasks: true })) {
    agent += (e.dur || 0) / 1000;
    cpu += (e.tdur || 0) / 1000;
    const kind = e.name === "FunctionCall" ? `call ${e.args?.data?.functionName || "?"}` : e.name.startsWith("v8.wasm.") ? "wasm compile" : e.name;
    phases[kind] = (phases[kind] || 0) + (e.dur || 0) / 1000;
    cpuPhases[kind] = (cpuPhases[kind] || 0) + (e.tdur || 0) / 1000;
  }
  return { agent, cpu, busy, phases, cpuPhases, forcedLayouts: forcedByAgent(main, agentEntries(main)).length };
}

const builtAgent = readFileSync(new URL("../../../agent/dist/rum.js", import.meta.url), "utf8");

/** web-vitals' attribution build with a sender, as a merchant would deploy it. */
const webVitals = `${readFileSync(new URL("../node_modules/web-vitals/dist/web-vitals.attribution.iife.js", import.meta.url), "utf8")}
(function () {
  var queue = [], keep = function (m) { queue.push({ name: m.name, value: m.value, attribution: m.attribution.target || m.attribution.interactionTarget || m.attribution.largestShiftTarget }); };
  ["onTTFB", "onFCP", "onLCP", "onCLS", "onINP"].forEach(function (on) { webVitals[on](keep); });
  addEventListener("visibilitychange", function () {
    if (document.visibilityState == "hidden" && queue.length) navigator.sendBeacon("/web-vitals", JSON.stringify(queue.splice(0)));
  });
})();`;

/**
 * The floor for any agent this issue describes: only the browser calls it cannot avoid,
 * with none of our code. Fetch and compile the same wasm module streaming, read the
 * navigation entry, one buffered observer per entry type the metrics need, and at hide one
 * `sendBeacon` of a body the size of ours to the same endpoint (the collector answers 400;
 * the reply does not reach the main thread).
 */
const floor = `(function () {
  var s = document.currentScript, src = new URL(s.src, location.href), seen = 0;
  WebAssembly.compileStreaming(fetch(new URL("rum_agent_bg.wasm", src))).catch(function () {});
  performance.getEntriesByType("navigation");
  ["paint", "largest-contentful-paint", "layout-shift", "event", "first-input"].forEach(function (type) {
    new PerformanceObserver(function (list) { seen += list.getEntries().length; })
      .observe(type == "event" ? { type: type, buffered: true, durationThreshold: 40 } : { type: type, buffered: true });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState == "hidden")
      navigator.sendBeacon(s.dataset.endpoint || src.origin + "/v1/beacon", JSON.stringify({ seen: seen, pad: "x".repeat(900) }));
  });
})();`;

/**
 * A fresh page whose rum.js is `body`. Every variant is served this way: request interception
 * changes the page's own tasks, so all must pay it alike.
 */
async function pageServing(browser, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route("**/rum.js", (r) => r.fulfill({ body, contentType: "text/javascript" }));
  return { context, page };
}

/** One traced page load with rum.js as built (`agent`), empty (`none`), the floor or web-vitals. */
async function load(browser, system, i, script) {
  const body = { agent: builtAgent, none: "", floor, "web-vitals": webVitals }[script];
  const { context, page } = await pageServing(browser, body);
  await browser.startTracing(page, { categories: TIMELINE_WITH_MICROTASKS });
  await page.goto(`${system.demoUrl}/product/cost-${i}`, { waitUntil: "load" });
  // No agentRunning(): Playwright's polling would itself run on the main thread.
  await page.waitForFunction(() => document.querySelector("img.hero")?.complete);
  await page.waitForTimeout(500);
  // The shopper leaves: the browser dispatches visibilitychange and pagehide itself, so each
  // script's hide handler (the beacon) is an entry of its own in the trace. Dispatched from
  // a test script instead, it ran nested inside that script's entry and went uncounted.
  await leave(page);
  const trace = await browser.stopTracing();
  await context.close();
  return attribute(trace);
}
/**
 * rum.js with its own clock: `self.__rumStartMs` around `start()`, and `self.__rumMs` summing
 * every entry into the agent's code (the script's top level, the `start()` callback, every
 * observer, listener and animation-frame callback, which all run through `safe`), outermost
 * entries only. Not counted: compiling the script and the glue's promise steps that
 * instantiate the wasm. Fails loudly if the build changed shape.
 */
function timedAgent() {
  let src = builtAgent;
  const patch = (pattern, replace, what) => {
    const next = src.replace(pattern, replace);
    if (next === src) throw new Error(`rum.js: ${what} not found`);
    src = next;
  };
  const enter = "var __s=performance.now(),__d=self.__rumDepth++;try{";
  const leave = "}finally{self.__rumDepth--;if(!__d)self.__rumMs+=performance.now()-__s}";
  // The loader's `.then(() => { start(data, src, sample) })`, minified: terser may inline
  // start() there as `!function(s,v,M){…}(U,W,F)`; the callback ends at the loader's catch.
  patch(/(\.then\((?:function\(\)|\(\)=>)\{)(!function[\s\S]*\}\([\w,]*\)|\w+\([\w,]*\))(\}\)\.catch\()/, (_, head, call, tail) =>
    `${head}${enter}var __t=performance.now();${call};self.__rumStartMs=performance.now()-__t${leave}${tail}`, "start()");
  // `safe(f)`: `return x=>{try{f(x)}catch(e){}}` (or `function(x){…}`).
  patch(/return (function\((\w+)\)|\(?(\w+)\)?=>)\{try\{(\w+)\((\w+)\)\}catch\((\w+)\)\{\}\}/, (_, head, a, b, f, x, e) =>
    `return ${head}{${enter}try{${f}(${x})}catch(${e}){}${leave}}`, "safe()");
  return `self.__rumMs=0;self.__rumDepth=1;var __t0=performance.now();${src};self.__rumMs+=performance.now()-__t0;self.__rumDepth=0;`;
}

/** One untraced page load with the self-timed agent, load to hide: [start ms, total ms]. */
async function timeAgent(browser, system, i, body) {
  const { context, page } = await pageServing(browser, body);
  await page.goto(`${system.demoUrl}/product/start-${i}`, { waitUntil: "load" });
  await page.waitForFunction(() => self.__rumStartMs);
  await page.waitForFunction(() => document.querySelector("img.hero")?.complete);
  await page.waitForTimeout(500);
  await setVisibility(page, "hidden");
  await page.waitForTimeout(200);
  const ms = await page.evaluate(() => [self.__rumStartMs, self.__rumMs]);
  await context.close();
  return ms;
}

const system = await startSystem({ database: freshDatabase("rum_agent_cost") });
const browser = await launch({ userAgent: shopperUserAgent() });
const runs = [];
const without = [];
const reference = [];
const floors = [];
const starts = [];
const totals = [];
try {
  const timed = timedAgent();
  for (let i = 0; i < Number(opts.runs); i++) {
    runs.push(await load(browser, system, i, "agent"));
    without.push(await load(browser, system, i, "none"));
    reference.push(await load(browser, system, i, "web-vitals"));
    floors.push(await load(browser, system, i, "floor"));
    const [start, total] = await timeAgent(browser, system, i, timed);
    starts.push(start);
    totals.push(total);
  }
} finally {
  await tearDown({ browser, system });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 100) / 100;
/** Median per phase (script evaluation, callbacks by function) over the runs. */
const byPhase = (rs, field) =>
  Object.fromEntries(
    [...new Set(rs.flatMap((r) => Object.keys(r[field])))].map((k) => [k, round(median(rs.map((r) => r[field][k] || 0)))]),
  );
const busyWith = median(runs.map((r) => r.busy));
const busyWithout = median(without.map((r) => r.busy));
console.log(
  JSON.stringify(
    {
      runs: runs.length,
      main_thread_busy_ms_median_with_agent: round(busyWith),
      main_thread_busy_ms_median_without_agent: round(busyWithout),
      added_by_agent_ms: round(busyWith - busyWithout),
      agent_code_ms_median: round(median(runs.map((r) => r.agent))),
      agent_code_ms_max: round(Math.max(...runs.map((r) => r.agent))),
      per_run_agent_code_ms: runs.map((r) => round(r.agent)),
      agent_code_cpu_ms_median: round(median(runs.map((r) => r.cpu))),
      // Layouts or style recalculations inside the agent's code, all runs together.
      agent_forced_layouts: runs.reduce((n, r) => n + r.forcedLayouts, 0),
      per_run_agent_code_cpu_ms: runs.map((r) => round(r.cpu)),
      empty_script_code_cpu_ms_median: round(median(without.map((r) => r.cpu))),
      web_vitals_code_cpu_ms_median: round(median(reference.map((r) => r.cpu))),
      // What the unavoidable browser calls alone cost: fetch + streaming compile, the
      // navigation entry, five observers, a beacon.
      floor_code_cpu_ms_median: round(median(floors.map((r) => r.cpu))),
      per_run_floor_code_cpu_ms: floors.map((r) => round(r.cpu)),
      floor_code_ms_median: round(median(floors.map((r) => r.agent))),
      // The baseline of this method: the same attribution for an empty rum.js.
      empty_script_code_ms_median: round(median(without.map((r) => r.agent))),
      main_thread_busy_ms_median_with_web_vitals: round(median(reference.map((r) => r.busy))),
      web_vitals_code_ms_median: round(median(reference.map((r) => r.agent))),
      web_vitals_code_ms_max: round(Math.max(...reference.map((r) => r.agent))),
      untraced_start_ms_median: round(median(starts)),
      untraced_start_ms_max: round(Math.max(...starts)),
      untraced_agent_ms_median: round(median(totals)),
      untraced_agent_ms_max: round(Math.max(...totals)),
      agent_code_ms_median_by_phase: byPhase(runs, "phases"),
      agent_code_cpu_ms_median_by_phase: byPhase(runs, "cpuPhases"),
      floor_code_cpu_ms_median_by_phase: byPhase(floors, "cpuPhases"),
    },
    null,
    2,
  ),
);

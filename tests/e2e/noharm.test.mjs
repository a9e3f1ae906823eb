// The agent never harms the page: no console error and no uncaught exception, even without
// WebAssembly or with a collector that answers 500; no layout forced by its code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, agentRunning, leave, observed } from "./lib/browser.mjs";
import { TIMELINE, agentEntries, forcedByAgent, mainThread } from "./lib/trace.mjs";
import { startSystem, freshDatabase, tearDown } from "./lib/system.mjs";

let system, browser;

before(async () => {
  system = await startSystem({ database: freshDatabase("rum_e2e_noharm") });
  browser = await launch();
});

after(() => tearDown({ browser, system }));

/** Loads `url` in a fresh context prepared by `init`, hides it, returns what went wrong. */
async function problems(url, init, { expectAgent }) {
  const context = await browser.newContext();
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const seen = [];
  page.on("console", (m) => m.type() === "error" && seen.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => seen.push(`exception: ${e.message}`));
  await page.goto(url, { waitUntil: "load" });
  if (expectAgent) await agentRunning(page);
  else await page.waitForTimeout(500);
  await leave(page);
  await page.waitForTimeout(300);
  await context.close();
  return seen;
}

const accepted = async () =>
  Number((await (await fetch(`${system.collectorUrl}/metrics`)).text()).match(/^rum_beacons_accepted_total (\d+)/m)[1]);
const failed = async () => Number(await (await fetch(`${system.demoUrl}/fail/count`)).text());

/** Polls `read` until it returns at least `want`; returns the value, throws after `ms`. */
async function reaches(read, want, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await read();
    if (got >= want) return got;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what} to reach ${want}; it is ${got}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("without WebAssembly the tag silently does nothing", async () => {
  const before = await accepted();
  const seen = await problems(
    `${system.demoUrl}/cart?delay=0`,
    () => {
      delete window.WebAssembly;
    },
    { expectAgent: false }
  );
  assert.deepEqual(seen, []);
  // Nothing to wait for: a beacon that should never come. Time for one that would.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await accepted(), before, "no beacon without the agent");
});

test("a collector answering 500 causes no console error or exception", async () => {
  const before = await failed();
  const seen = await problems(`${system.demoUrl}/cart?delay=0&failing_collector=true`, null, {
    expectAgent: true,
  });
  assert.equal(await reaches(failed, before + 1, "the failing collector's count"), before + 1, "the beacon was sent and answered 500");
  assert.deepEqual(seen, []);
});

test("a page whose performance entries throw gets no error from the agent", async () => {
  // A broken polyfill or a hostile page: every entry's startTime getter throws, inside the
  // agent's observer and listener callbacks as well as in start().
  const seen = await problems(
    `${system.demoUrl}/cart?delay=0`,
    () => {
      Object.defineProperty(PerformanceEntry.prototype, "startTime", {
        get() {
          throw new Error("startTime is broken on this page");
        },
      });
    },
    { expectAgent: false }
  );
  assert.deepEqual(seen, []);
});

test("a page with its own `rum` global, or junk in the queue, keeps working and still reports", async () => {
  const before = await accepted();
  const own = await problems(
    `${system.demoUrl}/cart?delay=0`,
    () => {
      window.rum = { version: 3 };
      addEventListener("load", () => {
        if (window.rum.version !== 3 || "push" in window.rum) console.error("the page's rum object was changed");
      });
    },
    { expectAgent: true }
  );
  assert.deepEqual(own, []);
  const junk = await problems(
    `${system.demoUrl}/cart?delay=0`,
    () => {
      const hostile = { toString() { throw new Error("no string for you"); } };
      // A lone surrogate in a value: as a JSON escape it would get the beacon refused.
      window.rum = [null, 42, [], ["dim", hostile, "v"], ["group", hostile], ["dim", "ok", "1"], ["dim", "lone", "a\ud800b"]];
    },
    { expectAgent: true }
  );
  assert.deepEqual(junk, []);
  assert.equal(await reaches(accepted, before + 2, "accepted beacons"), before + 2, "both page views reported");
});

test("the agent's code forces no layout while the page keeps changing its DOM", async () => {
  const context = await browser.newContext();
  // A storefront's countdown ticker rewrites a line every few ms, so layout is dirty most of
  // the time, also whenever the agent's callbacks run: reading a size there would force one.
  await context.addInitScript(() => {
    addEventListener("DOMContentLoaded", () => {
      const ticker = document.createElement("p");
      document.body.insertBefore(ticker, document.body.firstChild);
      setInterval(() => (ticker.textContent = `Sale ends in ${(performance.now() / 1000).toFixed(2)} s`), 4);
    });
  });
  const page = await context.newPage();
  await browser.startTracing(page, { categories: TIMELINE });
  // A late hero image (LCP), a late banner (a layout shift for the agent's observer) and a
  // slow click (an interaction for INP).
  await page.goto(`${system.demoUrl}/product/layout-${Date.now()}?delay=0&img_delay=100&shift=200&slow_click=120`, {
    waitUntil: "load",
  });
  await agentRunning(page);
  await page.click("#buy");
  // The banner's shift and the click's entry, handed to the agent's observers too. The
  // click is slower than 104 ms because the browser buffers only event entries that long: a
  // shorter one that fired before this observer was registered was missed (a flaky run).
  await observed(page, "layout-shift", { field: "value" });
  await observed(page, "event", { name: "click", field: "duration", above: 40 });
  await page.evaluate(() => console.timeStamp("leaving"));
  await leave(page);
  const trace = await browser.stopTracing();
  await context.close();
  // Up to the shopper leaving. During the navigation away Chromium lays out the incoming
  // empty document (3 layout objects; the product page has hundreds) inside the beacon's
  // `sendBeacon` call, which is the browser's doing, not a read by the agent.
  const { events, main } = mainThread(trace);
  const leaving = events.find((e) => e.name === "TimeStamp" && e.args?.data?.message === "leaving");
  assert.ok(leaving, "the trace has the leaving mark");
  const agent = agentEntries(main).filter((e) => e.ts < leaving.ts);
  // The trace must show the agent at work (its script, its observers' callbacks and the
  // viewport read after the first paint), or finding no forced layout in it proves nothing.
  const calls = agent.filter((e) => e.name === "FunctionCall").length;
  assert.ok(agent.some((e) => e.name === "EvaluateScript"), "the agent's script ran");
  assert.ok(calls >= 4, `the agent's callbacks ran: ${calls}`);
  assert.deepEqual(
    forcedByAgent(main, agent).map((e) => `${e.name} at ${e.ts}`),
    [],
    "layouts inside the agent's code"
  );
});

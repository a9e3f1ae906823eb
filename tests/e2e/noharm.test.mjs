// The agent never harms the page: no console error and no uncaught exception, even without
// WebAssembly or with a collector that answers 500.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, agentRunning, leave } from "./lib/browser.mjs";
import { exec } from "./lib/clickhouse.mjs";
import { startSystem, freshDatabase } from "./lib/system.mjs";

let system, browser;

before(async () => {
  system = await startSystem({ database: freshDatabase("rum_e2e_noharm") });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await system?.stop();
  if (system) await exec(`DROP DATABASE IF EXISTS ${system.database}`);
});

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
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await accepted(), before, "no beacon without the agent");
});

test("a collector answering 500 causes no console error or exception", async () => {
  const before = await failed();
  const seen = await problems(`${system.demoUrl}/cart?delay=0&failing_collector=true`, null, {
    expectAgent: true,
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await failed(), before + 1, "the beacon was sent and answered 500");
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
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(await accepted(), before + 2, "both page views reported");
});

import { launch, setVisibility, shopperUserAgent } from "./lib/browser.mjs";
import { startSystem, freshDatabase } from "./lib/system.mjs";
import { TIMELINE, mainThreadWork } from "./lib/trace.mjs";
import { exec } from "./lib/clickhouse.mjs";
const system = await startSystem({ database: freshDatabase("rum_tmp_trace") });
const browser = await launch({ userAgent: shopperUserAgent() });
const context = await browser.newContext();
const page = await context.newPage();
await browser.startTracing(page, { categories: [...TIMELINE, "v8", "disabled-by-default-v8.compile", "v8.execute"] });
await page.goto(`${system.demoUrl}/product/t-1`, { waitUntil: "load" });
await page.waitForFunction(() => document.querySelector("img.hero")?.complete);
await page.waitForTimeout(500);
await setVisibility(page, "hidden");
await page.waitForTimeout(200);
const trace = await browser.stopTracing();
const work = mainThreadWork(trace);
const t0 = work.agent[0].ts;
const tasks = work.main.filter((e) => e.name === "RunTask" && e.ts >= t0 - 1000 && e.ts < t0 + 40000 && e.dur > 300);
for (const t of tasks) {
  console.log("TASK", ((t.ts - t0) / 1000).toFixed(2), (t.dur / 1000).toFixed(2), ((t.tdur || 0) / 1000).toFixed(2));
  for (const e of work.main.filter((e) => e !== t && e.ts >= t.ts && e.ts < t.ts + t.dur && e.dur > 50).sort((a, b) => a.ts - b.ts).slice(0, 25))
    console.log("   ", e.name, ((e.ts - t0) / 1000).toFixed(2), (e.dur / 1000).toFixed(2), ((e.tdur || 0) / 1000).toFixed(2), (e.args?.data?.url || e.args?.fileName || "").slice(-25), e.args?.data?.functionName || "");
}
await browser.close(); await system.stop(); await exec(`DROP DATABASE IF EXISTS ${system.database}`);

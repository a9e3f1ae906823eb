// Simulated shoppers: real headless Chromium walking through the demo storefront, so the
// real agent measures real page loads. Used by scripts/up.sh to fill the first report.
//
//   node tests/e2e/shoppers.mjs --demo http://127.0.0.1:8081 --journeys 20 --parallel 3
import { parseArgs } from "node:util";
import { launch, agentRunning, leave, shopperUserAgent } from "./lib/browser.mjs";

const { values: opts } = parseArgs({
  options: {
    demo: { type: "string", default: "http://127.0.0.1:8081" },
    journeys: { type: "string", default: "20" },
    parallel: { type: "string", default: "3" },
  },
});
const journeys = Number(opts.journeys);
const parallel = Math.max(1, Number(opts.parallel));

const CATEGORIES = ["coffee", "tea", "brewing"];
const PRODUCTS = ["espresso-blend", "single-origin", "sencha", "earl-grey", "pour-over", "grinder"];
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

/** A typical visit: land, browse, look at a product or two, sometimes buy. */
function journey() {
  const pages = ["/", `/category/${pick(CATEGORIES)}`, `/product/${pick(PRODUCTS)}`];
  if (Math.random() < 0.5) pages.push(`/product/${pick(PRODUCTS)}`);
  if (Math.random() < 0.7) pages.push("/cart");
  if (Math.random() < 0.5) pages.push("/checkout");
  return pages;
}

async function visit(browser, pages, mobile) {
  const context = await browser.newContext(
    mobile ? { viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true } : {}
  );
  const page = await context.newPage();
  let views = 0;
  for (const path of pages) {
    try {
      await page.goto(opts.demo + path, { waitUntil: "load", timeout: 30000 });
      await agentRunning(page);
      // Read a little; the agent sends when the page is hidden by the next navigation.
      await page.waitForTimeout(200 + Math.random() * 400);
      views++;
    } catch (e) {
      console.error(`shoppers: ${path}: ${e.message.split("\n")[0]}`);
    }
  }
  await leave(page);
  await context.close();
  return views;
}

const desktop = await launch({ userAgent: shopperUserAgent(false) });
const mobile = await launch({ userAgent: shopperUserAgent(true) });
let next = 0;
let views = 0;
let done = 0;
async function worker() {
  while (next < journeys) {
    const n = next++;
    const isMobile = n % 3 === 2;
    const seen = await visit(isMobile ? mobile : desktop, journey(), isMobile);
    views += seen;
    done++;
    if (done % 5 === 0 || done === journeys) {
      console.log(`shoppers: ${done}/${journeys} journeys, ${views} page views`);
    }
  }
}
await Promise.all(Array.from({ length: parallel }, worker));
await desktop.close();
await mobile.close();

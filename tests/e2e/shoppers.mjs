// Simulated shoppers: real headless Chromium walking through the demo storefront, so the
// real agent measures real page loads and real interactions (clicks, typing, scrolling).
// Used by scripts/up.sh to fill the first report.
//
//   node tests/e2e/shoppers.mjs --demo http://127.0.0.1:8081 --journeys 20 --parallel 3
//
// Every other visit is to the single-page section (/spa/: soft navigations, a slow
// third-party widget, a late banner on the list); the rest walk the multi-page shop. Each
// browser context sends `X-Forwarded-For` with one of a few public addresses, so a collector
// that trusts the local peer (up.sh sets `server.trusted_proxies`) sees shoppers in several
// countries; a collector that does not ignores the header.
import { parseArgs } from "node:util";
import { launch, agentRunning, leave, setVisibility, shopperUserAgent } from "./lib/browser.mjs";

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
/** Public addresses GeoLite2 places in different countries (US, GB, JP, BR, IE, DE). */
const ADDRESSES = ["8.8.8.8", "81.2.69.142", "133.242.0.3", "200.160.2.3", "185.60.216.35", "46.4.0.1"];
/** The SPA's knobs for shoppers: a third-party widget slow on every other click, a product
 * route with some render work, a late banner on the list (CLS). */
const SPA_KNOBS = "?widget_ms=220&widget_every=2&product_render=40&list_shift=900";
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const pause = (page, ms) => page.waitForTimeout(ms + Math.random() * ms);

/**
 * Hides the page before leaving it, so the agent sends its beacon while the page is alive
 * and the beacon route adds `X-Forwarded-For` (one sent during unload bypasses routing).
 */
async function hide(page) {
  await setVisibility(page, "hidden");
  await page.waitForTimeout(100);
}

/**
 * A multi-page visit: land, browse, look at three products (or four), sometimes buy. Three
 * at least, so that up.sh's ten journeys give each release 15 product page views, enough
 * for the product pages' canary verdict.
 */
function shopJourney(n) {
  const pages = [Math.random() < 0.5 ? "/?shift=300" : "/", `/category/${pick(CATEGORIES)}`];
  pages.push(`/product/${pick(PRODUCTS)}${Math.random() < 0.5 ? "?slow_click=260" : ""}`);
  pages.push(`/product/${pick(PRODUCTS)}`, `/product/${pick(PRODUCTS)}`);
  if (Math.random() < 0.3) pages.push(`/product/${pick(PRODUCTS)}`);
  // Every fourth visit goes all the way, so cart and checkout always have page views.
  if (n % 4 === 0 || Math.random() < 0.7) pages.push("/cart");
  if (n % 4 === 0 || Math.random() < 0.5) pages.push("/checkout");
  return pages;
}

/** What a shopper does on a multi-page view: read, click, type, scroll. */
async function interact(page, path) {
  await pause(page, 300);
  if (path.startsWith("/checkout")) {
    await page.locator('input[type="email"]').pressSequentially("shopper@example.com", { delay: 30 });
    await page.locator("form input:not([type])").pressSequentially("4242424242424242", { delay: 30 });
    await page.click("form button");
  } else if (path.includes("slow_click")) {
    await page.click("#buy");
  } else {
    await page.click("h1");
  }
  await page.mouse.wheel(0, 400);
  await pause(page, 200);
}

async function shopVisit(page, n) {
  let views = 0;
  for (const path of shopJourney(n)) {
    try {
      await page.goto(opts.demo + path, { waitUntil: "load", timeout: 30000 });
      await agentRunning(page);
      await interact(page, path);
      await hide(page);
      views++;
    } catch (e) {
      console.error(`shoppers: ${path}: ${e.message.split("\n")[0]}`);
    }
  }
  return views;
}

/** A single-page visit: one hard navigation, then routes changed in the page. */
async function spaVisit(page, n) {
  const entry = ["/spa/", `/spa/product/${pick(PRODUCTS)}`, "/spa/cart"][Math.floor(n / 2) % 3];
  let views = 0;
  try {
    await page.goto(opts.demo + entry + SPA_KNOBS, { waitUntil: "load", timeout: 30000 });
    await agentRunning(page);
    views++;
    if (entry === "/spa/cart") {
      await pause(page, 200);
      await page.locator("#coupon").pressSequentially("HELLO", { delay: 30 });
      await page.click('main a[href="/spa/"]'); // continue shopping: the list
      views++;
    }
    if (!entry.startsWith("/spa/product/")) {
      await pause(page, 600); // the list's banner lands after 900 ms
      await page.mouse.wheel(0, 300);
      await page.click(`a[href="/spa/product/${pick(PRODUCTS)}"]`);
      views++;
    }
    await pause(page, 300);
    const qty = page.locator("#qty");
    await qty.click();
    await qty.press("Backspace");
    await qty.pressSequentially(String(1 + Math.floor(Math.random() * 3)), { delay: 40 });
    await page.click("#add");
    await page.mouse.wheel(0, 600);
    await pause(page, 200);
    await page.click('a[href="/spa/cart"]');
    views++;
    await pause(page, 200);
    await page.locator("#coupon").pressSequentially("WELCOME10", { delay: 30 });
    await page.goBack(); // popstate: the product again
    views++;
    await pause(page, 300);
    await page.click("h1");
    await page.click("#cart-link");
    views++;
    await pause(page, 300);
    await hide(page);
  } catch (e) {
    console.error(`shoppers: ${entry}: ${e.message.split("\n")[0]}`);
  }
  return views;
}

async function visit(browser, n, mobile) {
  const context = await browser.newContext(
    mobile ? { viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true } : {}
  );
  // Only on beacons: a header added to every request would make the agent's cross-origin
  // wasm fetch need a CORS preflight, which the collector rightly does not grant.
  const forwardedFor = ADDRESSES[n % ADDRESSES.length];
  await context.route(/\/v1\/beacon$/, (route) =>
    route.continue({ headers: { ...route.request().headers(), "x-forwarded-for": forwardedFor } })
  );
  const page = await context.newPage();
  const views = n % 2 === 1 ? await spaVisit(page, n) : await shopVisit(page, n);
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
    // Not `views += await ...`: that reads `views` before the visit, and the parallel
    // workers' visits then overwrite each other's counts (up.sh printed 15 for 48).
    const made = await visit(isMobile ? mobile : desktop, n, isMobile);
    views += made;
    done++;
    if (done % 5 === 0 || done === journeys) {
      console.log(`shoppers: ${done}/${journeys} journeys, ${views} page views (soft ones too)`);
    }
  }
}
await Promise.all(Array.from({ length: parallel }, worker));
await desktop.close();
await mobile.close();

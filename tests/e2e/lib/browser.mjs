// Real headless Chromium (Debian's package) driven through playwright-core.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

/** Flags that keep Chromium quiet, deterministic and runnable as root in CI. */
export const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The installed Chromium's version, e.g. "156.0.8078.79". */
export function chromiumVersion() {
  const out = execFileSync(executablePath(), ["--version"], { encoding: "utf8" });
  return out.match(/(\d+\.\d+\.\d+\.\d+)/)?.[1] ?? "120.0.0.0";
}

/** Debian's chromium binary; its /usr/bin wrapper script only adds noise on stderr. */
export function executablePath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  return existsSync("/usr/lib/chromium/chromium") ? "/usr/lib/chromium/chromium" : "/usr/bin/chromium";
}

/**
 * A user agent a real shopper's Chrome would send. Headless Chromium says "HeadlessChrome",
 * which the collector rightly flags as a bot; simulated shoppers should count as people.
 */
export function shopperUserAgent(mobile = false) {
  const version = chromiumVersion();
  return mobile
    ? `Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Mobile Safari/537.36`
    : `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Safari/537.36`;
}

/**
 * Launches Chromium; playwright gives every launch a fresh temporary profile directory.
 * `userAgent` is set for the whole browser: a per-context override does not reach beacons
 * the browser sends while a page unloads.
 */
export async function launch({ userAgent } = {}) {
  return chromium.launch({
    executablePath: executablePath(),
    headless: true,
    args: userAgent ? [...ARGS, `--user-agent=${userAgent}`] : ARGS,
    // Playwright turns the back/forward cache off by default; shoppers have it on.
    ignoreDefaultArgs: ["--disable-back-forward-cache"],
  });
}

/** Waits until the agent on `page` has started (the loader marks its own script tag). */
export async function agentRunning(page) {
  await page.waitForSelector('script[data-rum-state="running"]', { state: "attached", timeout: 15000 });
}

/**
 * Waits until `page` has a performance entry of `type` (named `name`, when given, with
 * `field` above `above`, when given, starting at or after `after` on the page's clock, when
 * given: an earlier entry that also qualifies does not end the wait). The page's own
 * observers (the agent's, web-vitals') registered earlier, so they have been handed the
 * entry by the time this one is. Throws after `timeout` ms.
 */
export async function observed(page, type, { name, field, above = 0, after = 0, timeout = 15000 } = {}) {
  const found = await page.evaluate(
    ({ type, name, field, above, after, timeout }) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeout);
        new PerformanceObserver((list, o) => {
          const hit = list
            .getEntries()
            .some((e) => (!name || e.name === name) && (!field || e[field] > above) && e.startTime >= after);
          if (hit) o.disconnect(), clearTimeout(timer), resolve(true);
        }).observe({ type, buffered: true, ...(type === "event" ? { durationThreshold: 16 } : {}) });
      }),
    { type, name, field, above, after, timeout }
  );
  if (!found)
    throw new Error(`no ${type} entry${name ? ` ${name}` : ""}${field ? ` with ${field} > ${above}` : ""}${after ? ` from ${after} ms` : ""} in ${timeout} ms`);
}

/**
 * Hides the page the way a shopper does when leaving it: navigating away fires
 * `visibilitychange` (hidden) and `pagehide`, when the agent sends its beacon.
 */
export async function leave(page) {
  await page.goto("about:blank");
  // The beacon is queued by the browser during unload; closing the context right away can
  // cancel it before it is on the wire (seen on a loaded CI machine). Give it a moment: a
  // beacon sent while the page unloads is invisible to Playwright and to CDP, so there is
  // no event to wait for instead.
  await page.waitForTimeout(300);
}

/**
 * Makes the page believe it was hidden (or shown again) and fires `visibilitychange`, as the
 * browser does when the shopper switches tabs. Headless Chromium never hides a page by
 * itself, and web-vitals only settles INP when the page is hidden.
 */
export async function setVisibility(page, state) {
  await page.evaluate((s) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => s });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => s === "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  }, state);
}

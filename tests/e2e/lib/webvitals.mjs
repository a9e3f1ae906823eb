// Google's web-vitals library (6.2.3, attribution build), loaded beside our agent in tests
// only, as the reference a merchant would compare us with.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The package's exports map hides its IIFE build, so read the file by path.
const source = readFileSync(
  fileURLToPath(new URL("../node_modules/web-vitals/dist/web-vitals.attribution.iife.js", import.meta.url)),
  "utf8"
);

/**
 * web-vitals and the hooks that keep what it reports, as a script to run in a page before the
 * page's own. The latest value of each metric (reportAllChanges) lands in `window.__wv`, with
 * its navigation type (`LCP_nav`) and the attribution the agent sends too (`LCP_attr`,
 * `INP_attr`). With `softNavs`, web-vitals reports soft navigations (`reportSoftNavs`) and
 * `window.__wvViews` holds each view's metrics by `navigationId`, with its URL and
 * navigation type.
 */
export function webVitalsScript({ softNavs = false } = {}) {
  return `${source}
    window.__wv = {};
    window.__wvViews = {};
    const pick = (m) => {
      const a = m.attribution || {};
      if (m.name === "LCP")
        return { target: a.target, ttfb: a.timeToFirstByte, delay: a.resourceLoadDelay, load: a.resourceLoadDuration, render: a.elementRenderDelay };
      if (m.name === "INP")
        return {
          target: a.interactionTarget, delay: a.inputDelay, proc: a.processingDuration, pres: a.presentationDelay,
          scriptUrl: a.longestScript?.entry.sourceURL, scriptType: a.longestScript?.entry.invokerType,
          scriptInvoker: a.longestScript?.entry.invoker, scriptMs: a.longestScript?.intersectingDuration,
          scriptPhase: a.longestScript?.subpart, total: a.totalScriptDuration, styleLayout: a.totalStyleAndLayoutDuration,
          paint: a.totalPaintDuration, unattributed: a.totalUnattributedDuration,
        };
    };
    const keep = (m) => {
      window.__wv[m.name] = m.value;
      window.__wv[m.name + "_nav"] = m.navigationType;
      const a = pick(m);
      if (a) window.__wv[m.name + "_attr"] = a;
      const view = (window.__wvViews[m.navigationId] ??= { url: m.navigationURL, nav: m.navigationType });
      view[m.name] = m.value;
    };
    const opts = { reportAllChanges: true, reportSoftNavs: ${softNavs} };
    for (const on of ["onTTFB", "onFCP", "onLCP", "onCLS", "onINP"]) webVitals[on](keep, opts);
  `;
}

/** Installs web-vitals ([`webVitalsScript`]) on every page of `context`. */
export async function installWebVitals(context, options) {
  await context.addInitScript(webVitalsScript(options));
}

/** What web-vitals has reported so far on `page`. */
export async function webVitalsSoFar(page) {
  return page.evaluate(() => ({ ...window.__wv }));
}

/** Each view web-vitals has reported on `page` (with `softNavs`), in navigation order. */
export async function webVitalsViews(page) {
  return page.evaluate(() => Object.entries(window.__wvViews).map(([id, v]) => ({ id, ...v })));
}

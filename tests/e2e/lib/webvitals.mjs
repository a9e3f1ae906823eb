// Google's web-vitals library (v5), loaded beside our agent in tests only, as the reference
// a merchant would compare us with.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The package's exports map hides its IIFE build, so read the file by path.
const source = readFileSync(
  fileURLToPath(new URL("../node_modules/web-vitals/dist/web-vitals.iife.js", import.meta.url)),
  "utf8"
);

/** Installs web-vitals on every page of `context` before any page script runs; the latest
 *  value of each metric (reportAllChanges) lands in `window.__wv`. */
export async function installWebVitals(context) {
  await context.addInitScript(`${source}
    window.__wv = {};
    const keep = (m) => { window.__wv[m.name] = m.value; window.__wv[m.name + "_nav"] = m.navigationType; };
    for (const on of ["onTTFB", "onFCP", "onLCP", "onCLS", "onINP"]) webVitals[on](keep, { reportAllChanges: true });
  `);
}

/** What web-vitals has reported so far on `page`. */
export async function webVitalsSoFar(page) {
  return page.evaluate(() => ({ ...window.__wv }));
}

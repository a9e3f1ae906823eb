// Reading Chromium performance traces (the DevTools timeline): which work on the renderer's
// main thread ran the agent's code.

/** The trace categories these helpers need: tasks, script entries, layout. */
export const TIMELINE = ["devtools.timeline", "disabled-by-default-devtools.timeline"];
/** …plus V8's execution events, for `mainThreadWork(…, { microtasks: true })`. */
export const TIMELINE_WITH_MICROTASKS = [...TIMELINE, "v8.execute"];

const isAgent = (url) => /\/rum\.js|rum_agent/.test(url || "");

/**
 * The complete events on renderer main threads (`main`), and the outermost script entry
 * points that ran the agent (`agent`: script evaluation, module compile, callbacks whose
 * function lives in rum.js or its wasm), in time order. With `microtasks`, also the
 * outermost microtask checkpoints and wasm compile steps (`RunMicrotasks`, `v8.wasm.*`),
 * which carry no script URL: that is where an agent's promise chain runs (the wasm
 * instantiation and what follows it). They count for whichever script queued them, so
 * compare with the same figure for an empty script on the same page.
 */
export function mainThreadWork(trace, { microtasks = false } = {}) {
  const events = JSON.parse(trace.toString()).traceEvents;
  const threads = new Set(
    events.filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`),
  );
  const main = events.filter((e) => e.ph === "X" && threads.has(`${e.pid}:${e.tid}`));
  const agent = [];
  let end = 0;
  const unnamed = (e) => microtasks && (e.name === "RunMicrotasks" || e.name.startsWith("v8.wasm."));
  for (const e of main
    .filter(
      (e) =>
        (["EvaluateScript", "FunctionCall", "v8.compileModule"].includes(e.name) && isAgent(e.args?.data?.url)) || unnamed(e),
    )
    .sort((x, y) => x.ts - y.ts)) {
    // Nested entries are inside an outer one already taken.
    if (e.ts >= end) {
      agent.push(e);
      end = e.ts + (e.dur || 0);
    }
  }
  return { main, agent };
}

/** Layouts and style recalculations that ran inside the agent's code: ones it forced. */
export function forcedByAgent({ main, agent }) {
  return main
    .filter((e) => e.name === "Layout" || e.name === "UpdateLayoutTree")
    .filter((l) => agent.some((a) => l.ts >= a.ts && l.ts < a.ts + (a.dur || 0)));
}

// Reading Chromium performance traces (the DevTools timeline): which work on the renderer's
// main thread ran the agent's code.

/** The trace categories these helpers need: tasks, script entries, layout. */
export const TIMELINE = ["devtools.timeline", "disabled-by-default-devtools.timeline"];
/** …plus V8's execution events, for `agentEntries(…, { microtasks: true })`. */
export const TIMELINE_WITH_MICROTASKS = [...TIMELINE, "v8.execute"];

const isAgent = (url) => /\/rum\.js|rum_agent/.test(url || "");

/** Every event of a trace (`events`), and the complete ones on renderer main threads (`main`). */
export function mainThread(trace) {
  const events = JSON.parse(trace.toString()).traceEvents;
  const threads = new Set(
    events.filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`),
  );
  return { events, main: events.filter((e) => e.ph === "X" && threads.has(`${e.pid}:${e.tid}`)) };
}

/**
 * The outermost script entry points among `main` that ran the agent (script evaluation,
 * module compile, callbacks whose function lives in rum.js or its wasm), in time order. With
 * `microtasks`, also the outermost microtask checkpoints and wasm compile steps
 * (`RunMicrotasks`, `v8.wasm.*`), which carry no script URL: that is where an agent's promise
 * chain runs (the wasm instantiation and what follows it). They count for whichever script
 * queued them, so compare with the same figure for an empty script on the same page.
 */
export function agentEntries(main, { microtasks = false } = {}) {
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
  return agent;
}

/** Layouts and style recalculations among `main` that ran inside `agent` entries: ones it forced. */
export function forcedByAgent(main, agent) {
  return main
    .filter((e) => e.name === "Layout" || e.name === "UpdateLayoutTree")
    .filter((l) => agent.some((a) => l.ts >= a.ts && l.ts < a.ts + (a.dur || 0)));
}

// Prerendering in real Chromium, driven over the DevTools protocol without Playwright:
// Chromium refuses to prerender while a DevTools client is attached to a page without
// going through its tab target (PrerenderingDisabledByDevTools), and Playwright attaches
// that way. Here a tab target is attached first and its pages (the shown one and the
// prerendered one) are auto-attached under it, as Chrome's own DevTools does.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { ARGS, executablePath } from "./browser.mjs";

// playwright-core ships the `ws` client; node 20's WebSocket is still behind a flag.
const { ws: WebSocket } = createRequire(import.meta.url)("playwright-core/lib/utilsBundle");

/** One DevTools connection to a freshly launched headless Chromium. */
class Cdp {
  constructor(socket) {
    this.socket = socket;
    this.next = 1;
    this.pending = new Map();
    this.listeners = [];
    socket.on("close", () => {
      for (const { reject, method } of this.pending.values()) reject(new Error(`${method}: connection closed`));
      this.pending.clear();
    });
    socket.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (m.id && this.pending.has(m.id)) {
        const { resolve, reject, method } = this.pending.get(m.id);
        this.pending.delete(m.id);
        m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result);
      } else if (m.method) {
        for (const l of this.listeners) l(m);
      }
    });
  }

  /**
   * Sends `method` on `sessionId` (the browser when omitted) and resolves with its result.
   * Rejects, naming the method, when Chromium has not answered within `timeout` ms (a page
   * swapped out under a call never answers it) or the connection closes.
   */
  send(method, params = {}, sessionId, timeout = 15000) {
    const id = this.next++;
    this.socket.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeout} ms`));
      }, timeout);
      const done = (f) => (v) => (clearTimeout(timer), f(v));
      this.pending.set(id, { resolve: done(resolve), reject: done(reject), method });
    });
  }

  /** Calls `listener` with every event. */
  on(listener) {
    this.listeners.push(listener);
  }
}

/**
 * Launches Chromium with `userAgent` and opens one tab. `init` is a script that runs in every
 * page of the tab before the page's own (web-vitals). Returns `{ navigate, evaluate, waitFor,
 * close }`. `evaluate(fn, arg)` runs `fn(arg)` in the tab's shown page (the prerendered one
 * once it is activated) and resolves with its value, awaited, as Playwright's
 * `page.evaluate` does, so the helpers of browser.mjs that only evaluate take the tab too.
 */
export async function prerenderingTab({ userAgent, init }) {
  const profile = mkdtempSync(path.join(tmpdir(), "rum-e2e-prerender-"));
  const child = spawn(
    executablePath(),
    ["--headless", "--remote-debugging-port=0", `--user-data-dir=${profile}`, `--user-agent=${userAgent}`, ...ARGS, "about:blank"],
    { stdio: ["ignore", "ignore", "pipe"] }
  );
  const url = await new Promise((resolve, reject) => {
    let text = "";
    child.stderr.on("data", (d) => {
      text += d;
      const m = text.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`chromium exited (${code}): ${text}`)));
  });
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => (socket.once("open", resolve), socket.once("error", reject)));
  const cdp = new Cdp(socket);

  // Every page of the tab (the shown one, then the prerendered one) gets `init` before it
  // runs, and the latest attached page that is not still prerendering is the shown one.
  const pages = [];
  cdp.on((m) => {
    if (m.method !== "Target.attachedToTarget" || m.params.targetInfo.type !== "page") return;
    const { sessionId: session, targetInfo } = m.params;
    // Sent together: a page waiting for the debugger answers the script only once it runs.
    const ready = Promise.all([
      cdp.send("Page.enable", {}, session),
      cdp.send("Page.addScriptToEvaluateOnNewDocument", { source: init }, session),
      cdp.send("Runtime.runIfWaitingForDebugger", {}, session),
    ]);
    pages.push({ session, targetId: targetInfo.targetId, ready });
  });
  const { targetInfos } = await cdp.send("Target.getTargets", { filter: [{ type: "tab" }] });
  const { sessionId: tab } = await cdp.send("Target.attachToTarget", { targetId: targetInfos[0].targetId, flatten: true });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, tab);
  for (let i = 0; i < 100 && !pages.length; i++) await new Promise((r) => setTimeout(r, 50));
  if (!pages.length) throw new Error("the tab's page was not attached");
  await pages[0].ready;

  const shown = async () => {
    // A prerendered page's target is the shown page once activated (its subtype is gone).
    const { targetInfos } = await cdp.send("Target.getTargets");
    const live = new Set(targetInfos.filter((t) => t.type === "page" && t.subtype !== "prerender").map((t) => t.targetId));
    const page = pages.findLast((p) => live.has(p.targetId));
    if (!page) throw new Error("no page is shown");
    return page.session;
  };
  return {
    async navigate(to) {
      await cdp.send("Page.navigate", { url: to }, await shown());
    },
    async evaluate(fn, arg, timeout) {
      const expression = `(${fn})(${JSON.stringify(arg)})`;
      const r = await cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, await shown(), timeout);
      if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value;
    },
    /**
     * Resolves once `fn()` is true in the shown page; throws naming `what` after `timeout`.
     * Each try gets a second: one sent to a page while it is swapped out for the activated
     * one is never answered, and the next try goes to the page shown by then.
     */
    async waitFor(fn, what, timeout = 15000) {
      for (const deadline = Date.now() + timeout; !(await this.evaluate(fn, undefined, 1000).catch(() => false)); ) {
        if (Date.now() > deadline) throw new Error(`not within ${timeout} ms: ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      // Browser.close ends the helper processes too, which a SIGTERM to the browser leaves
      // writing the profile for a while.
      const exited = new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r()));
      await cdp.send("Browser.close").catch(() => child.kill("SIGTERM"));
      await exited;
      socket.close();
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}

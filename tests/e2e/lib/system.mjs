// Starts the real collector and demo site (release binaries) on free ports for one test file.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { clickhouseUrl, exec } from "./clickhouse.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const BIN =
  process.env.RUM_BIN_DIR || path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, "target"), "release");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

async function waitHealthy(url, child, name) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become healthy at ${url}`);
}

function run(name, args, env) {
  const child = spawn(path.join(BIN, name), args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

/** Collector + demo site writing to `database`; call `stop()` when done. */
export async function startSystem({ database, collectorEnv = {} }) {
  const [cPort, dPort] = [await freePort(), await freePort()];
  const collectorUrl = `http://127.0.0.1:${cPort}`;
  const demoUrl = `http://127.0.0.1:${dPort}`;
  const collector = run("collector", ["serve"], {
    CLICKHOUSE_URL: clickhouseUrl(),
    RUM__SERVER__LISTEN: `127.0.0.1:${cPort}`,
    RUM__SERVER__WORKERS: "1",
    RUM__SERVER__AGENT_DIR: path.join(ROOT, "agent/dist"),
    RUM__CLICKHOUSE__DATABASE: database,
    RUM__WAL__DIR: mkdtempSync(path.join(tmpdir(), "rum-e2e-wal-")),
    RUM__BATCH__MAX_AGE_MS: "200",
    RUM__GEOIP__PATH: path.join(ROOT, ".state/geoip/GeoLite2-City.mmdb"),
    RUM__LOG__LEVEL: "warn",
    ...collectorEnv,
  });
  const demo = run("demo-site", ["--listen", `127.0.0.1:${dPort}`, "--collector", collectorUrl], {
    RUST_LOG: "warn",
  });
  const stop = async () => {
    for (const child of [demo, collector]) {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
    }
  };
  try {
    await waitHealthy(collectorUrl, collector, "collector");
    await waitHealthy(demoUrl, demo, "demo-site");
  } catch (e) {
    await stop();
    throw e;
  }
  return { collectorUrl, demoUrl, database, stop };
}

/** A database name no other run uses. */
export function freshDatabase(prefix) {
  return `${prefix}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
}

/**
 * Closes what a test file opened, after its tests: the browser, then the page servers, then
 * the system, whose database is dropped. Each may be missing (its `before` failed first).
 */
export async function tearDown({ browser, pages = [], system }) {
  await browser?.close();
  for (const p of pages) await p?.close();
  await system?.stop();
  if (system) await exec(`DROP DATABASE IF EXISTS ${system.database}`);
}

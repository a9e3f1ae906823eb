// ClickHouse over HTTP, from CLICKHOUSE_URL (scripts/test.sh starts a private server).

export function clickhouseUrl() {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) throw new Error("CLICKHOUSE_URL must point at ClickHouse; scripts/test.sh starts one");
  return url;
}

/** Runs `sql` and returns rows of a JSON-format answer. */
export async function query(sql) {
  const res = await fetch(clickhouseUrl(), { method: "POST", body: `${sql} FORMAT JSON` });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${text}\n${sql}`);
  return JSON.parse(text).data;
}

/** Runs a statement without a result. */
export async function exec(sql) {
  const res = await fetch(clickhouseUrl(), { method: "POST", body: sql });
  if (!res.ok) throw new Error(`ClickHouse: ${await res.text()}\n${sql}`);
}

/**
 * Polls `sql` until `done(rows)` holds and returns those rows; throws, naming `expected` and
 * the last rows, when `ms` pass first.
 */
export async function waitFor(sql, done, expected, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const rows = await query(sql);
    if (done(rows)) return rows;
    if (Date.now() > deadline) {
      throw new Error(`waited ${ms} ms for ${expected}; the last answer was ${JSON.stringify(rows)}\n${sql}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

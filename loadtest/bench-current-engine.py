"""The ClickHouse figures of BENCHMARKS.md on a current engine (chdb, in process) instead of
Debian's 18.16: the same migrations, the same 10 M generated page views
(generate-page-views.sql) and the exact SQL `collector report` sends.

    .state/venv/bin/python loadtest/bench-current-engine.py   (ROWS=10000000 by default)

Needs the release collector and load generator (`cargo build --release -p rum-collector -p
rum-loadtest`) for the report SQL and the generator's, and scripts/setup.sh's venv for chdb.
In process there is no HTTP round trip: compare with the `SELECT 1` floor of
bench-clickhouse.sh."""

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/sql"))
from current_engine import DB, apply_migrations, bin_dir, report_sql, statements  # noqa: E402

from chdb import session  # noqa: E402

QUERIES = [
    ("rollup, last hour: p75 TTFB/LCP per minute", ["timeseries", "--since", "1h"]),
    ("raw, one day: p50-p99 per page group", ["percentiles", "--since", "1d"]),
    ("signals refresh", ["signals"]),
    ("forecast input, 8 days per minute", ["traffic_history"]),
]


def main():
    rows = os.environ.get("ROWS", "10000000")
    with tempfile.TemporaryDirectory() as tmp:
        s = session.Session(tmp)
        server = s.query("SELECT version()", "TSV").data().strip()
        if apply_migrations(s, server, quiet=True):
            sys.exit("migrations failed on the current engine")
        started = time.monotonic()
        text = subprocess.run(
            [f"{bin_dir()}/loadtest", "fill-sql", str(ROOT / "loadtest/generate-page-views.sql"),
             f"db={DB}", f"rows={rows}"],
            check=True, capture_output=True, text=True,
        ).stdout
        for stmt in statements(text):
            s.query(stmt)
        # Rollups merged into one part each, as in bench-clickhouse.sh.
        for rollup in ("page_groups_minute_data", "page_views_minute_data"):
            s.query(f"OPTIMIZE TABLE {DB}.{rollup} FINAL")
        # A settled server, as in bench-clickhouse.sh: background merges done (at most 5 min).
        for _ in range(300):
            if s.query("SELECT count() FROM system.merges", "TSV").data().strip() == "0":
                break
            time.sleep(1)
        print(f"## Current engine (chdb, ClickHouse {server}): {rows} page views, in process")
        print()
        print(f"Generated and inserted in {time.monotonic() - started:.0f} s.")
        print()
        print("| query | p50 | p95 | runs |")
        print("|---|---|---|---|")
        for name, args in QUERIES:
            sql = report_sql(args)
            times = []
            for _ in range(20):
                t = time.perf_counter()
                s.query(sql, "TSV")
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            print(f"| {name} (`report {' '.join(args)}`) | {statistics.median(times):.1f} ms "
                  f"| {times[18]:.1f} ms | 20 |")
        s.close()


if __name__ == "__main__":
    main()

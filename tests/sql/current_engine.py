"""Every migration and every report query, run on a current ClickHouse engine (chdb, in
process): the SQL in sql/ must work on Debian's 18.16 (the integration tests) and on today's
releases (this script). Run by scripts/test.sh; exits non-zero on the first failure."""

import os
import pathlib
import subprocess
import re
import sys
import tempfile
import time

from chdb import session

ROOT = pathlib.Path(__file__).resolve().parents[2]
DB = "rum"


def fill(text, values):
    def sub(m):
        if m.group(1) not in values:
            raise KeyError(f"unknown placeholder {{{m.group(1)}}}")
        return values[m.group(1)]

    return re.sub(r"\{([a-z_]+)\}", sub, text)


def statements(text):
    """Statements end with ';' at the end of a line; comment lines are dropped."""
    out, cur = [], []
    for line in text.splitlines():
        if line.strip().startswith("--"):
            continue
        cur.append(line)
        if line.rstrip().endswith(";"):
            out.append("\n".join(cur).rstrip().rstrip(";"))
            cur = []
    if "".join(cur).strip():
        out.append("\n".join(cur))
    return out


def version_tuple(v):
    return tuple(int(x) for x in v.split(".")[:2])


def bin_dir():
    """Where the release binaries are (RUM_BIN_DIR, else the cargo target's release/)."""
    return os.environ.get("RUM_BIN_DIR") or str(
        pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "release"
    )


def report_sql(args):
    """The SQL `collector report ARGS` sends for database `rum`: the collector fills its own
    report templates (`--print-sql`), so this runs exactly what the CLI would."""
    return subprocess.run(
        [f"{bin_dir()}/collector", "report", *args, "--print-sql"],
        env={**os.environ, "RUM__CLICKHOUSE__DATABASE": DB},
        check=True, capture_output=True, text=True,
    ).stdout


def apply_migrations(s, server, quiet=False):
    """Applies every migration in order into database `rum` of session `s`, skipping those
    that need a newer server; returns the number that failed."""
    failures = 0
    say = (lambda _: None) if quiet else print
    s.query(f"CREATE DATABASE IF NOT EXISTS {DB}")
    for path in sorted((ROOT / "sql/migrations").glob("*.sql")):
        text = path.read_text()
        need = re.search(r"^-- min_version:\s*([\d.]+)", text, re.M)
        if need and version_tuple(need.group(1)) > version_tuple(server):
            say(f"  skip  {path.stem} (needs {need.group(1)})")
            continue
        try:
            for stmt in statements(fill(text, {"db": DB, "retention_days": "400"})):
                s.query(stmt)
            say(f"  ok    {path.stem}")
        except Exception as e:  # noqa: BLE001 - report every failure, then exit non-zero
            failures += 1
            print(f"  FAIL  {path.stem}: {e}")
    return failures


def main():
    with tempfile.TemporaryDirectory() as tmp:
        s = session.Session(tmp)
        server = s.query("SELECT version()", "TSV").data().strip()
        print(f"current engine: ClickHouse {server}")
        failures = apply_migrations(s, server)

        # A few page views so reports aggregate real rows (one with three beacons).
        now = int(time.time())
        # INP attributed to a first-party script on every third row, a third-party one on the rest.
        rows = []
        scripts = {}
        for i in range(50):
            inp = 150 + 10 * i
            rating = "good" if inp <= 200 else "needs-improvement" if inp <= 500 else "poor"
            script = "https://shop.example/app.js" if i % 3 == 0 else "https://tag.example/t.js"
            if rating != "good":
                scripts[script] = scripts.get(script, 0) + 1
            rows.append(
                f"({now}, 'demo', 'pv{i:05}', 1, 'https://shop.example/p', 'shop.example', '/p', "
                f"'product', 'navigate', {100 + i}, {300 + i}, {900 + i}, 0.01, {inp}, 'good', "
                f"'{rating}', '{script}', {i}, 'US', 'desktop', 'Chrome', 0, 1.0)"
            )
        s.query(
            f"INSERT INTO {DB}.page_views (received_at, site, page_view_id, seq, url, host, path, "
            "page_group, navigation_type, ttfb_ms, fcp_ms, lcp_ms, cls, inp_ms, lcp_rating, "
            "inp_rating, inp_script_url, inp_script_ms, country_code, device_class, browser, "
            "is_bot, sample_rate) VALUES " + ",".join(rows)
        )
        # What inp_scripts must rank: origin, party, slow page views, most first.
        want_origins = sorted(
            ((url.split("/")[2], "first" if url.split("/")[2] == "shop.example" else "third", n)
             for url, n in scripts.items()),
            key=lambda r: -r[2],
        )
        for path in sorted((ROOT / "sql/reports").glob("*.sql")):
            try:
                sql = report_sql([path.stem, "--site", "demo", "--from", str(now - 3600),
                                  "--to", str(now + 60)])
                out = s.query(sql, "TSVWithNames").data()
                lines = out.strip().splitlines()
                if path.stem == "inp_scripts":
                    head = lines[0].split("\t")
                    got = [dict(zip(head, line.split("\t"))) for line in lines[1:]]
                    origins = [(r["origin"], r["party"], int(r["slow_page_views"]))
                               for r in got if r["level"] == "origin"]
                    if origins != want_origins:
                        raise AssertionError(f"origins {origins}, want {want_origins}")
                print(f"  ok    report {path.stem} ({len(lines) - 1} rows)")
            except Exception as e:  # noqa: BLE001
                failures += 1
                print(f"  FAIL  report {path.stem}: {e}")
        s.close()
    if failures:
        print(f"{failures} failure(s) on the current engine")
        sys.exit(1)


if __name__ == "__main__":
    main()

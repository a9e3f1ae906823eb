"""Every migration and every report query, run on a current ClickHouse engine (chdb, in
process): the SQL in sql/ must work on Debian's 18.16 (the integration tests) and on today's
releases (this script). Run by scripts/test.sh; exits non-zero on the first failure."""

import pathlib
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


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        s = session.Session(tmp)
        server = s.query("SELECT version()", "TSV").data().strip()
        print(f"current engine: ClickHouse {server}")
        s.query(f"CREATE DATABASE IF NOT EXISTS {DB}")
        for path in sorted((ROOT / "sql/migrations").glob("*.sql")):
            text = path.read_text()
            need = re.search(r"^-- min_version:\s*([\d.]+)", text, re.M)
            if need and version_tuple(need.group(1)) > version_tuple(server):
                print(f"  skip  {path.stem} (needs {need.group(1)})")
                continue
            try:
                for stmt in statements(fill(text, {"db": DB, "retention_days": "400"})):
                    s.query(stmt)
                print(f"  ok    {path.stem}")
            except Exception as e:  # noqa: BLE001 - report every failure, then exit non-zero
                failures += 1
                print(f"  FAIL  {path.stem}: {e}")

        # A few page views so reports aggregate real rows (one with three beacons).
        now = int(time.time())
        rows = []
        for i in range(50):
            rows.append(
                f"({now}, 'demo', 'pv{i:05}', 1, 'https://shop.example/p', 'shop.example', '/p', "
                f"'product', 'navigate', {100 + i}, {300 + i}, {900 + i}, 0.01, 120, 'good', 'US', "
                f"'desktop', 'Chrome', 0, 1.0)"
            )
        s.query(
            f"INSERT INTO {DB}.page_views (received_at, site, page_view_id, seq, url, host, path, "
            "page_group, navigation_type, ttfb_ms, fcp_ms, lcp_ms, cls, inp_ms, lcp_rating, "
            "country_code, device_class, browser, is_bot, sample_rate) VALUES " + ",".join(rows)
        )
        params = {
            "db": DB,
            "site": "'demo'",
            "group": "''",
            "from": f"toDateTime({now - 3600})",
            "to": f"toDateTime({now + 60})",
            "include_bots": "0",
        }
        # The shared filters, as collector/src/store/report.rs builds them.
        scope = "('demo' = '' OR site = 'demo') AND ('' = '' OR page_group = '')"
        window = f"{{col}} >= {params['from']} AND {{col}} < {params['to']}"
        params["page_view_filter"] = f"{window.format(col='received_at')} AND {scope} AND is_bot = 0"
        params["rollup_filter"] = f"{window.format(col='minute')} AND {scope} AND is_bot = 0"
        params["rollup_filter_with_bots"] = f"{window.format(col='minute')} AND {scope}"
        for path in sorted((ROOT / "sql/reports").glob("*.sql")):
            try:
                out = s.query(fill(path.read_text(), params), "TSVWithNames").data()
                lines = out.strip().splitlines()
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

#!/usr/bin/env bash
# The ClickHouse figures of BENCHMARKS.md: 10 M generated page views over the last 24 hours,
# 5 % of them with an update beacon 30 s later (a grown CLS and INP), inserted server-side so
# the materialized views fill the rollups as in production; then the timings of the queries
# analysts and the autoscaler run.
#   loadtest/bench-clickhouse.sh   (ROWS=10000000 by default; database rum_bench10m)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-10000000}
db=rum_bench10m
bin=${CARGO_TARGET_DIR:-target}/release
if [[ -z ${CLICKHOUSE_URL:-} ]]; then
  ./scripts/clickhouse.sh start >/dev/null
  CLICKHOUSE_URL=$(./scripts/clickhouse.sh url)
fi
export CLICKHOUSE_URL
ch() { curl -fsS "$CLICKHOUSE_URL" --data-binary @-; }
echo "DROP DATABASE IF EXISTS $db" | ch
RUM__CLICKHOUSE__DATABASE=$db "$bin"/collector migrate >/dev/null
start=$(date +%s.%N)
"$bin"/loadtest fill-sql loadtest/generate-page-views.sql db=$db rows=$rows | ch
insert=$(echo "$(date +%s.%N) - $start" | bc)
# Each rollup merged into one part, as background merges leave a running system's recent
# minutes (fresh small parts would hide what a query for the last minutes costs then).
for rollup in page_groups_minute_data page_views_minute_data releases_bins_minute_data; do
  echo "OPTIMIZE TABLE $db.$rollup FINAL" | ch
done
# Timings are of a settled server: background merges of the bulk insert finished (at most
# 5 minutes), as between bursts in production.
for _ in $(seq 300); do
  [[ $(echo "SELECT count() FROM system.merges" | ch) == 0 ]] && break
  sleep 1
done
echo "## ClickHouse: $rows page views (5 % with an update beacon) over 24 h ($(echo "SELECT version()" | ch))"
echo
echo "Generated and inserted server-side in $(printf "%.0f" "$insert") s (the materialized views filled the rollups, then each was merged into one part)."
echo
echo "| query | p50 | p95 | runs |"
echo "|---|---|---|---|"
time_query() { # name, sql
  # The HTTP request's own time as curl measures it (connect to last byte), not the shell's
  # process start-ups around it: what the collector's keep-alive client would wait.
  local times=() t
  for _ in $(seq 1 20); do
    t=$(echo "$2" | curl -fsS -o /dev/null -w '%{time_total}' "$CLICKHOUSE_URL" --data-binary @-) \
      || { echo "| $1 | failed: $(echo "$2" | curl -sS "$CLICKHOUSE_URL" --data-binary @- | head -c 200) | | |"; return; }
    times+=("$(echo "$t * 1000" | bc)")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  printf '| %s | %.1f ms | %.1f ms | 20 |\n' "$1" "$(echo "$sorted" | sed -n 10p)" "$(echo "$sorted" | sed -n 19p)"
}
# The collector fills its own report templates: the exact SQL `collector report` sends.
sql_of() { RUM__CLICKHOUSE__DATABASE=$db "$bin"/collector report "$@" --print-sql; }
time_query "floor: \`SELECT 1\` over HTTP" "SELECT 1"
time_query "rollup, last hour: p75 TTFB/LCP per minute (\`report timeseries --since 1h\`)" "$(sql_of timeseries --since 1h)"
time_query "rollup by device and country, last hour: page views and p75 LCP (\`page_views_minute\`)" \
  "SELECT device_class, country_code, countMerge(page_views) AS views,
     quantilesTimingMerge(0.5, 0.75, 0.95, 0.99)(lcp)[2] AS lcp_p75
   FROM $db.page_views_minute WHERE minute >= now() - 3600
   GROUP BY device_class, country_code ORDER BY views DESC"
time_query "raw, one day: p50-p99 per page group (\`report percentiles --since 1d\`)" "$(sql_of percentiles --since 1d)"
time_query "signals refresh (\`report signals\`)" "$(sql_of signals)"
time_query "regression check refresh (\`report regressions\`)" "$(sql_of regressions)"
time_query "forecast input, 8 days per minute (\`report traffic_history\`)" "$(sql_of traffic_history)"
[[ ${KEEP:-} ]] || echo "DROP DATABASE IF EXISTS $db" | ch

#!/usr/bin/env bash
# The canary verdict's figures of BENCHMARKS.md: ROWS generated page views (10 M) over the
# last HOURS hours (6) on one site, ten releases taking turns (bench-a, the baseline, and
# bench-b, the canary, a tenth each: 1 M per side at 10 M), ten page groups, inserted
# server-side so the materialized views fill releases_bins_minute as in production
# (loadtest/generate-releases.sql). Then, twice (as the inserts and background merges left
# the rollup, and after OPTIMIZE FINAL): the rollup's size in the window, each query of the
# verdict alone over HTTP, and GET /v1/verdict through a running collector.
#   loadtest/bench-verdict.sh   (ROWS=10000000 HOURS=6 ROUNDS=11; database rum_bench_verdict,
#                                dropped at the end unless KEEP=1)
# BEFORE=path/to/an/older/collector: the rows go into migration 0010's rollup first, that
# collector's GET /v1/verdict and rollup query are timed, then 0011 copies them over.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-10000000}
hours=${HOURS:-6}
rounds=${ROUNDS:-11}
db=rum_bench_verdict
bin=${CARGO_TARGET_DIR:-target}/release
port=${PORT:-18288}
if [[ -z ${CLICKHOUSE_URL:-} ]]; then
  ./scripts/clickhouse.sh start >/dev/null
  CLICKHOUSE_URL=$(./scripts/clickhouse.sh url)
fi
export CLICKHOUSE_URL RUM__CLICKHOUSE__DATABASE=$db
ch() { curl -fsS "$CLICKHOUSE_URL" --data-binary @-; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
settle() { # background merges of the bulk insert finished (at most 5 minutes)
  for _ in $(seq 300); do
    [[ $(echo "SELECT count() FROM system.merges WHERE database = '$db'" | ch) == 0 ]] && return
    sleep 1
  done
}

echo "DROP DATABASE IF EXISTS $db" | ch
"$bin"/collector migrate ${BEFORE:+--to 10} >/dev/null
start=$(date +%s.%N)
"$bin"/loadtest fill-sql loadtest/generate-releases.sql db=$db rows=$rows hours=$hours | ch
insert=$(echo "$(date +%s.%N) - $start" | bc)
settle

workdir=$(mktemp -d -t rum-bench-verdict-XXXXXX)
token=bench-verdict-token
collector=
trap 'kill $collector 2>/dev/null || true; rm -rf "$workdir"' EXIT
serve() { # collector binary: serves the verdict on $port until the next serve
  [[ -z $collector ]] || { kill "$collector"; wait "$collector" 2>/dev/null || true; }
  RUM__SERVER__LISTEN=127.0.0.1:$port RUM__WAL__DIR=$workdir/wal RUM__VERDICT__TOKEN=$token \
    "$1" serve >"$workdir/collector.log" 2>&1 &
  collector=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
}
verdict_url="http://127.0.0.1:$port/v1/verdict?site=bench&baseline=bench-a&canary=bench-b&since=$((hours + 1))h"
time_verdict() { # name: median of $rounds GET /v1/verdict as curl times them
  local t
  t=$(for _ in $(seq "$rounds"); do
    curl -fsS -o "$workdir/v.json" -w '%{time_total}\n' -H "authorization: Bearer $token" "$verdict_url"
    cat "$workdir/v.json" >>"$workdir/verdicts"
    echo >>"$workdir/verdicts"
  done | median)
  printf '| %s | %.1f ms | %s B |\n' "$1" "$(echo "$t * 1000" | bc)" "$(wc -c <"$workdir/v.json")"
}

# The verdict's queries as the collector fills them (--print-sql): the summary, then the
# histogram branches of the default metrics (lcp, inp, ttfb, cls) for the two releases' parts
# (1: bench-a, 2: bench-b, both at sample rate 1), as the collector joins them.
sql=$("$bin"/collector report compare --site bench --since "$((hours + 1))h" \
  --baseline bench-a --canary bench-b --print-sql)
summary_sql=${sql%%;*}
histogram_sql=$(printf '%s\n' "$sql" | sed -n '/^-- then/,$p' | sed '1d; s/;$//' |
  awk -v RS='UNION ALL\n' -v ORS='' '!/'\''fcp'\'' AS metric/ {
    for (part = 1; part <= 2; part++) {
      b = $0
      gsub(/\{part\}/, part, b)
      gsub(/\{release\}/, part == 1 ? "'\''bench-a'\''" : "'\''bench-b'\''", b)
      gsub(/\{rate\}/, "'\''1'\''", b)
      printf "%s%s", sep, b
      sep = "UNION ALL\n"
    }
  }')

time_sql() { # name, sql: median of $rounds requests as curl times them (connect to last byte)
  local t
  t=$(for _ in $(seq "$rounds"); do
    printf '%s' "$2" | curl -fsS -o "$workdir/out" -w '%{time_total}\n' "$CLICKHOUSE_URL" --data-binary @-
  done | median)
  printf '| %s | %.1f ms | %s B |\n' "$1" "$(echo "$t * 1000" | bc)" "$(wc -c <"$workdir/out")"
}

measure() { # title
  local window="site = 'bench' AND release IN ('bench-a', 'bench-b') AND minute >= now() - $((hours + 1)) * 3600"
  echo
  echo "### $1"
  echo
  echo "Rollup rows of the two releases in the window, and (bin, page views) pairs per metric:"
  echo
  echo "| rows | lcp | inp | ttfb | cls |"
  echo "|---|---|---|---|---|"
  echo "SELECT count(), sum(length(\`lcpMap.bin\`)), sum(length(\`inpMap.bin\`)), sum(length(\`ttfbMap.bin\`)),
    sum(length(\`clsMap.bin\`)) FROM $db.releases_bins_minute_data WHERE $window FORMAT TSV" | ch |
    awk -F'\t' '{printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}'
  echo
  echo "| stage | median of $rounds | answer |"
  echo "|---|---|---|"
  time_sql "summary.sql over HTTP" "$summary_sql"
  time_sql "histogram.sql, lcp + inp + ttfb + cls, over HTTP" "$histogram_sql"
  time_sql "the same, FORMAT Null (ClickHouse alone)" "$histogram_sql FORMAT Null"
  : >"$workdir/verdicts"
  time_verdict "GET /v1/verdict (4 metrics), curl"
  # The collector's own split (its log line per verdict): queries, then parsing + statistics.
  local split
  split=$(tail -n "$rounds" "$workdir/collector.log" | sed 's/\x1b\[[0-9;]*m//g' |
    sed -n 's/.*summary_ms=\([0-9.]*\) histograms_ms=\([0-9.]*\) bins=\([0-9]*\) total_ms=\([0-9.]*\).*/\1 \2 \3 \4/p')
  printf '| in the collector: summary query | %.1f ms | |\n' "$(echo "$split" | awk '{print $1}' | median)"
  printf '| in the collector: histogram query | %.1f ms | %s bins |\n' "$(echo "$split" | awk '{print $2}' | median)" "$(echo "$split" | awk 'NR == 1 {print $3}')"
  printf '| in the collector: statistics and the rest | %.1f ms | |\n' "$(echo "$split" | awk '{print $4 - $1 - $2}' | median)"
  echo
  echo "Answer: $(tail -n 1 "$workdir/verdicts" | sed -n 's/.*"pass":\([a-z]*\).*"reason":"\([^"]*\)".*/pass \1: \2/p')"
}

echo "## Verdict: $rows page views over $hours h ($(echo "SELECT version()" | ch), load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "Generated and inserted server-side in $(printf "%.0f" "$insert") s; the verdict of bench-b against bench-a, $((rows / 10)) page views each."
if [[ -n ${BEFORE:-} ]]; then
  echo
  echo "### Before: $BEFORE on migration 0010's releases_minute (sumMap states)"
  echo
  echo "| stage | median of $rounds | answer |"
  echo "|---|---|---|"
  old_sql=$("$BEFORE" report compare --site bench --since "$((hours + 1))h" \
    --baseline bench-a --canary bench-b --print-sql)
  time_sql "release_histograms.sql (two releases, five metrics) over HTTP" "$old_sql"
  time_sql "the same, FORMAT Null (ClickHouse alone)" "$old_sql FORMAT Null"
  serve "$BEFORE"
  : >"$workdir/verdicts"
  time_verdict "GET /v1/verdict (4 metrics), curl"
  start=$(date +%s.%N)
  "$bin"/collector migrate >/dev/null
  echo
  echo "Migration 0011 copied the rollup in $(printf "%.1f" "$(echo "$(date +%s.%N) - $start" | bc)") s."
  settle
fi
serve "$bin"/collector
measure "As the inserts and background merges left the rollup${BEFORE:+ (here: as 0011 copied it)}"
echo "OPTIMIZE TABLE $db.releases_bins_minute_data FINAL" | ch
settle
measure "After OPTIMIZE FINAL (one row per minute, page group, bot flag and sample rate)"
[[ ${KEEP:-} ]] || echo "DROP DATABASE IF EXISTS $db" | ch

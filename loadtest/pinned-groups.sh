#!/usr/bin/env bash
# Group commit under the pinned ingest load: the collector pinned to CPU 0 (one worker,
# fsync on, GeoLite2 on, ClickHouse unreachable) as in ../shared/bench/pinned-ingest.sh,
# wrk -t1 -c64 on CPU 1, once per wal.commit_delay_us given, ROUNDS times alternated. Prints
# the collector's CPU µs per request, req/s, p99 and rows per group commit (requests over
# rum_wal_group_commits_total) for each run.
# Usage: loadtest/pinned-groups.sh [ROUNDS=3] [SECONDS=8] [DELAYS="0 200 500 1000"]; BIN as in
# pinned-ingest.sh. Needs wrk and taskset.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; secs=${2:-8}; delays=${3:-0 200 500 1000}
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/collector}
geo=${GEOIP:-}; [ -z "$geo" ] && [ -f .state/geoip/GeoLite2-City.mmdb ] && geo=.state/geoip/GeoLite2-City.mmdb
bench=${PINNED_INGEST:-../shared/bench/pinned-ingest.sh}
for t in wrk taskset; do command -v $t >/dev/null || { echo "needs $t"; exit 2; }; done
[ -f "$bench" ] || { echo "needs $bench (for its beacon)"; exit 2; }
work=$(mktemp -d)
cleanup() { [ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# The same beacon POST as pinned-ingest.sh, taken from it.
sed -n '/^cat >"\$work\/post.lua"/,/^LUA/p' "$bench" | sed '1d;$d' >"$work/post.lua"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
commits() { curl -fs http://127.0.0.1:18190/metrics | awk '/^rum_wal_group_commits_total/ {print int($2)}'; }
hz=$(getconf CLK_TCK)
for r in $(seq "$rounds"); do
  for d in $delays; do
    rm -rf "$work/wal"
    env CLICKHOUSE_URL=http://127.0.0.1:9 RUM__SERVER__LISTEN=127.0.0.1:18190 RUM__SERVER__WORKERS=1 \
      RUM__CLICKHOUSE__DATABASE=rum_pinned RUM__WAL__DIR="$work/wal" RUM__WAL__FSYNC=true \
      RUM__WAL__COMMIT_DELAY_US="$d" RUM__GEOIP__PATH="$geo" RUM__LOG__LEVEL=error \
      taskset -c 0 "$bin" serve >"$work/collector.log" 2>&1 &
    cpid=$!
    for _ in $(seq 100); do curl -fs http://127.0.0.1:18190/healthz >/dev/null && break; sleep 0.1; done
    t0=$(ticks "$cpid"); g0=$(commits)
    out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency -s "$work/post.lua" http://127.0.0.1:18190/v1/beacon)
    t1=$(ticks "$cpid"); g1=$(commits)
    kill "$cpid"; wait "$cpid" 2>/dev/null; cpid=
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    awk -v r="$r" -v d="$d" -v t=$((t1 - t0)) -v hz="$hz" -v n="$n" -v g=$((g1 - g0)) \
      -v rate="$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")" -v p="$(awk '/ 99%/ {print $2}' <<<"$out")" \
      'BEGIN { printf "round %s, commit_delay_us %s: %.1f us CPU/req, %d req/s, p99 %s, %.1f rows/commit\n", r, d, t * 1e6 / hz / n, rate, p, n / g }'
  done
done

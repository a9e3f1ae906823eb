#!/usr/bin/env bash
# Group commit under the pinned ingest load: the collector pinned to CPU 0 (one worker,
# fsync on, GeoLite2 on, ClickHouse unreachable) as in ../shared/bench/pinned-ingest.sh,
# wrk -t1 -c64 on CPU 1, once per wal.commit_delay_us given, ROUNDS times alternated. Prints
# the collector's CPU µs per request, req/s, p99 and rows per group commit (requests over
# rum_wal_group_commits_total) for each run.
# Usage: loadtest/pinned-groups.sh [ROUNDS=3] [SECONDS=8] [DELAYS="0 200 500 1000"]; BIN as in
# pinned-ingest.sh. Needs wrk and taskset.
set -uo pipefail
rounds=${1:-3}; secs=${2:-8}; delays=${3:-0 200 500 1000}
source "$(dirname "$0")/pinned-common.sh"
commits() { curl -fs http://127.0.0.1:18190/metrics | awk '/^rum_wal_group_commits_total/ {print int($2)}'; }
for r in $(seq "$rounds"); do
  for d in $delays; do
    start_collector RUM__WAL__FSYNC=true RUM__WAL__COMMIT_DELAY_US="$d"
    t0=$(ticks "$cpid"); g0=$(commits)
    out=$(run_wrk "$secs")
    t1=$(ticks "$cpid"); g1=$(commits)
    stop_collector
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    awk -v r="$r" -v d="$d" -v t=$((t1 - t0)) -v hz="$hz" -v n="$n" -v g=$((g1 - g0)) \
      -v rate="$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")" -v p="$(awk '/ 99%/ {print $2}' <<<"$out")" \
      'BEGIN { printf "round %s, commit_delay_us %s: %.1f us CPU/req, %d req/s, p99 %s, %.1f rows/commit\n", r, d, t * 1e6 / hz / n, rate, p, n / g }'
  done
done

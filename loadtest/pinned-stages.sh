#!/usr/bin/env bash
# Where the CPU per beacon goes inside the running collector, stage by stage: the pinned
# ingest benchmark (../shared/bench/pinned-ingest.sh: one worker on CPU 0, wrk -t1 -c64 on
# CPU 1, fsync on, GeoLite2 on, nginx `return 204` alternated) run with the benchmark-only
# switch RUM_BENCH_STOP_AFTER, which answers 204 after a stage and skips the rest:
#   read    the body read within its limits (HTTP, routing, middleware, response)
#   parse   + the JSON parse
#   encode  + validation, site and origin checks, enrichment, row encoding
#   (full)  + the write-ahead log append and its fsync
# The difference between two lines is what that stage costs with the server's caches,
# wake-ups and syscalls, which the micro-benchmarks (cargo bench --bench stages) cannot see.
# Usage: loadtest/pinned-stages.sh [ROUNDS=3] [SECONDS=8]; BIN as in pinned-ingest.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; secs=${2:-8}
bench=${PINNED_INGEST:-../shared/bench/pinned-ingest.sh}
[ -f "$bench" ] || { echo "needs $bench"; exit 2; }
median() { awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for stage in read parse encode full; do
  extra=""; [ "$stage" != full ] && extra="RUM_BENCH_STOP_AFTER=$stage"
  out=$(EXTRA_ENV="$extra ${EXTRA_ENV:-}" bash "$bench" "$rounds" "$secs")
  # Each round prints "nginx ... N us/req | collector ... M us/req": medians of both.
  col=$(awk '/^round/ { for (i = 1; i <= NF; i++) if ($i == "collector") print $(i + 5) }' <<<"$out" | sort -n)
  ngx=$(awk '/^round/ { for (i = 1; i <= NF; i++) if ($i == "nginx") print $(i + 5) }' <<<"$out" | sort -n)
  printf '%-7s collector %5s us CPU/beacon (rounds: %s), nginx %s\n' "$stage" \
    "$(median <<<"$col")" "$(echo $col)" "$(median <<<"$ngx")"
done

#!/usr/bin/env bash
# Where the collector's time goes at its maximum rate: `perf record` (sampling, whole
# system, so wrk and ClickHouse show too) while wrk posts one beacon body as fast as it can,
# then the share of samples per process and the collector's hottest functions.
#   loadtest/profile.sh    (SECONDS_PER_RUN=10 WORKERS=2; needs perf: apt-get install linux-perf)
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_APT_PACKAGES="wrk=wrk perf=linux-perf" ./scripts/setup.sh >/dev/null
cargo build --release --quiet -p rum-collector
# shellcheck source=loadtest/common.sh
. loadtest/common.sh
RUM__SERVER__LISTEN=127.0.0.1:18096 RUM__SERVER__WORKERS=$workers RUM__CLICKHOUSE__DATABASE=rum_bench \
RUM__WAL__DIR="$work/wal" RUM__GEOIP__PATH=.state/geoip/GeoLite2-City.mmdb RUM__LOG__LEVEL=error \
  "$bin"/collector serve >/dev/null 2>&1 &
collector=$!
until curl -fs http://127.0.0.1:18096/healthz >/dev/null; do sleep 0.1; done
perf record -F 999 -a -o "$work/perf.data" -- sleep "$secs" 2>/dev/null &
record=$!
wrk -t2 -c64 -d"${secs}s" -s "$work/post.lua" http://127.0.0.1:18096/v1/beacon | awk '/Requests\/sec/ {print "collector: " int($2) " req/s while profiled"}'
wait "$record"
echo
echo "### Samples by thread (both cores)"
echo '```'
perf report -i "$work/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -12
echo '```'
echo
echo "### The collector's hottest symbols (share of all samples)"
echo '```'
perf report -i "$work/perf.data" --no-children --pid "$collector" --sort dso,symbol --stdio 2>/dev/null |
  grep -E '^ +[0-9]' | head -30 | cut -c1-150
echo '```'

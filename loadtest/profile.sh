#!/usr/bin/env bash
# Where the collector's time goes at its maximum rate: `perf record` (sampling, whole
# system, so wrk and ClickHouse show too) while wrk posts one beacon body as fast as it can,
# then the share of samples per process and the collector's hottest functions.
#   loadtest/profile.sh    (SECONDS_PER_RUN=10 WORKERS=2; needs perf: apt-get install linux-perf)
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_APT_PACKAGES="wrk=wrk perf=linux-perf" ./scripts/setup.sh >/dev/null
cargo build --release --quiet -p rum-collector
bin=${CARGO_TARGET_DIR:-target}/release
secs=${SECONDS_PER_RUN:-10}
workers=${WORKERS:-2}
if [[ -z ${CLICKHOUSE_URL:-} ]]; then
  ./scripts/clickhouse.sh start >/dev/null
  CLICKHOUSE_URL=$(./scripts/clickhouse.sh url)
fi
export CLICKHOUSE_URL
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"v":1,"site":"bench","pv":"benchbench0001","seq":1,"url":"https://shop.example/product/1","group":"product","nav":"navigate","ttfb":120.5,"fcp":480.2,"lcp":1210.7,"cls":0.02,"inp":96,"ect":"4g","vw":1280,"vh":720}'
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
LUA
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

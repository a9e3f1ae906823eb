#!/usr/bin/env bash
# CPU per request of the collector for an array body of N beacons (default 50), pinned like
# ../shared/bench/pinned-ingest.sh: one worker on CPU 0, wrk -t1 -c64 on CPU 1, fsync on,
# GeoLite2 on, ClickHouse unreachable (only the ingest path runs).
# Usage: loadtest/pinned-array.sh [N=50] [SECONDS=6]; BIN as in pinned-ingest.sh.
set -uo pipefail
n=${1:-50}; secs=${2:-6}
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/collector}
geo=${GEOIP:-}; [ -z "$geo" ] && [ -f .state/geoip/GeoLite2-City.mmdb ] && geo=.state/geoip/GeoLite2-City.mmdb
work=$(mktemp -d)
cleanup() { [ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
beacon='{"v":1,"site":"bench","pv":"benchbench%04d","seq":1,"url":"https://shop.example/product/1","group":"product","nav":"navigate","ttfb":120.5,"fcp":480.2,"lcp":1210.7,"cls":0.02,"inp":96,"ect":"4g","vw":1280,"vh":720}'
body=$(for i in $(seq "$n"); do printf "$beacon," "$i"; done); body="[${body%,}]"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["Origin"] = "https://shop.example"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
LUA
env CLICKHOUSE_URL="${CH:-http://127.0.0.1:9}" RUM__SERVER__LISTEN=127.0.0.1:18192 RUM__SERVER__WORKERS=1 \
  RUM__CLICKHOUSE__DATABASE=rum_pinned RUM__WAL__DIR="$work/wal" RUM__WAL__FSYNC="${FSYNC:-true}" \
  RUM__GEOIP__PATH="$geo" RUM__LOG__LEVEL=error taskset -c 0 "$bin" serve >"$work/collector.log" 2>&1 &
cpid=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:18192/healthz >/dev/null && break; sleep 0.1; done
t0=$(awk '{print $14 + $15}' "/proc/$cpid/stat")
out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency -s "$work/post.lua" http://127.0.0.1:18192/v1/beacon)
ticks=$(( $(awk '{print $14 + $15}' "/proc/$cpid/stat") - t0 ))
reqs=$(awk '/requests in/ {print $1}' <<<"$out")
ok=$(curl -fs http://127.0.0.1:18192/metrics | awk '/^rum_http_responses_total\{status="200"\}/ {print $2}')
awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v r="$reqs" -v n="$n" -v ok="${ok:-?}" \
  'BEGIN {us = t * 1e6 / hz / r; printf "arrays of %d: %d requests (200s: %s), %.1f us CPU/request, %.2f us CPU/beacon\n", n, r, ok, us, us / n}'

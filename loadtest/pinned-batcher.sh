#!/usr/bin/env bash
# CPU per row of the batcher (read the log, encode, LZ4, insert into ClickHouse), collector
# side: the collector (1 worker) on CPU 0 with ClickHouse reachable, wrk -t1 -c64 on CPU 1
# for SECONDS, then until every acknowledged row was inserted; counts the CPU ticks of the
# threads that are not the HTTP worker or the log's writer/zeroer (the runtime running the
# batcher, blocking log readers). ClickHouse's own CPU is not counted. A ClickHouse server
# running on this machine is pinned to CPU 1 for the run (all its threads; its affinity is
# put back afterwards), so it does not take the collector's core.
# Usage: loadtest/pinned-batcher.sh [SECONDS=12]; BIN as in pinned-ingest.sh, CH (ClickHouse
# URL, default http://127.0.0.1:18123). Uses a throw-away database and drops it.
set -uo pipefail
secs=${1:-12}
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/collector}
ch=${CH:-http://127.0.0.1:18123}; db=rum_batcher_bench_$$
geo=${GEOIP:-}; [ -z "$geo" ] && [ -f .state/geoip/GeoLite2-City.mmdb ] && geo=.state/geoip/GeoLite2-City.mmdb
work=$(mktemp -d)
ch_port=${ch##*:}; ch_port=${ch_port%%/*}
ch_pid=$(ss -Hltnp "sport = :$ch_port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
if [ -n "$ch_pid" ]; then
  ch_affinity=$(taskset -pc "$ch_pid" | awk '{print $NF}')
  taskset -apc 1 "$ch_pid" >/dev/null && echo "ClickHouse (pid $ch_pid) pinned to CPU 1"
fi
cleanup() {
  [ -n "${ch_pid:-}" ] && taskset -apc "$ch_affinity" "$ch_pid" >/dev/null
  [ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null; curl -s "$ch/" --data-binary "DROP DATABASE IF EXISTS $db" >/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"v":1,"site":"bench","pv":"benchbench0001","seq":1,"url":"https://shop.example/product/1","group":"product","nav":"navigate","ttfb":120.5,"fcp":480.2,"lcp":1210.7,"cls":0.02,"inp":96,"ect":"4g","vw":1280,"vh":720}'
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["Origin"] = "https://shop.example"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
LUA
env CLICKHOUSE_URL="$ch" RUM__SERVER__LISTEN=127.0.0.1:18193 RUM__SERVER__WORKERS=1 \
  RUM__CLICKHOUSE__DATABASE=$db RUM__WAL__DIR="$work/wal" RUM__WAL__FSYNC=true \
  RUM__GEOIP__PATH="$geo" RUM__LOG__LEVEL=error taskset -c 0 "$bin" serve >"$work/collector.log" 2>&1 &
cpid=$!
for _ in $(seq 300); do curl -fs http://127.0.0.1:18193/readyz >/dev/null && break; sleep 0.1; done
metric() { curl -fs http://127.0.0.1:18193/metrics | awk -v m="$1" 'index($0, m) == 1 {print int($2)}'; }
ticks() {
  for t in /proc/$cpid/task/*; do
    case "$(cat "$t/comm")" in actix* | wal-*) ;; *) awk '{print $14 + $15}' "$t/stat" ;; esac
  done | awk '{s += $1} END {print s}'
}
t0=$(ticks); r0=$(metric rum_insert_rows_total)
taskset -c 1 wrk -t1 -c64 -d"${secs}s" -s "$work/post.lua" http://127.0.0.1:18193/v1/beacon >/dev/null
ok=$(metric 'rum_http_responses_total{status="204"}')
for _ in $(seq 240); do [ "$(metric rum_insert_rows_total)" -ge "$ok" ] && break; sleep 0.5; done
t1=$(ticks); r1=$(metric rum_insert_rows_total)
awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r=$((r1 - r0)) \
  'BEGIN {printf "batcher: %d rows inserted, %.0f ms CPU, %.2f us CPU/row\n", r, t * 1e3 / hz, t * 1e6 / hz / r}'

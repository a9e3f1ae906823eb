# Shared set-up of the pinned scripts (pinned-groups.sh, pinned-threads.sh); sourced, not run.
# The collector as ../shared/bench/pinned-ingest.sh runs it: one worker pinned to CPU 0,
# GeoLite2 on, ClickHouse unreachable (rows wait in the log), wrk -t1 -c64 on CPU 1 POSTing
# that script's beacon. Sets `bin` (BIN), `work` (removed on exit), `$work/post.lua`, `hz`;
# defines ticks PID, start_collector [VAR=value...] (sets cpid), stop_collector, run_wrk
# SECONDS (prints wrk's report), and start_nginx (sets npid, its worker) / stop_nginx
# (pinned-ingest.sh's nginx `return 204` on CPU 0, at 127.0.0.1:18191).
cd "$(dirname "$0")/.."
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/collector}
geo=${GEOIP:-}; [ -z "$geo" ] && [ -f .state/geoip/GeoLite2-City.mmdb ] && geo=.state/geoip/GeoLite2-City.mmdb
bench=${PINNED_INGEST:-../shared/bench/pinned-ingest.sh}
for t in wrk taskset; do command -v $t >/dev/null || { echo "needs $t"; exit 2; }; done
[ -f "$bench" ] || { echo "needs $bench (for its beacon)"; exit 2; }
work=$(mktemp -d)
cleanup() {
  [ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# The same beacon POST as pinned-ingest.sh, taken from it.
sed -n '/^cat >"\$work\/post.lua"/,/^LUA/p' "$bench" | sed '1d;$d' >"$work/post.lua"
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks
start_collector() {
  rm -rf "$work/wal"
  env CLICKHOUSE_URL=http://127.0.0.1:9 RUM__SERVER__LISTEN=127.0.0.1:18190 RUM__SERVER__WORKERS=1 \
    RUM__CLICKHOUSE__DATABASE=rum_pinned RUM__WAL__DIR="$work/wal" RUM__GEOIP__PATH="$geo" \
    RUM__LOG__LEVEL=error "$@" taskset -c 0 "$bin" serve >"$work/collector.log" 2>&1 &
  cpid=$!
  for _ in $(seq 100); do curl -fs http://127.0.0.1:18190/healthz >/dev/null && break; sleep 0.1; done
}
stop_collector() { kill "$cpid"; wait "$cpid" 2>/dev/null; cpid=; }
run_wrk() { taskset -c 1 wrk -t1 -c64 -d"$1s" --latency -s "$work/post.lua" http://127.0.0.1:18190/v1/beacon; }
# The same nginx as pinned-ingest.sh, taken from it.
sed -n '/^cat >"\$work\/nginx.conf"/,/^NGINX/p' "$bench" | sed '1d;$d' | sed "s|\$work|$work|g" >"$work/nginx.conf"
start_nginx() {
  taskset -c 0 nginx -c "$work/nginx.conf"; sleep 0.3
  npid=$(pgrep -P "$(cat "$work/nginx.pid")" | head -n 1)
}
stop_nginx() { kill "$(cat "$work/nginx.pid")"; rm -f "$work/nginx.pid"; sleep 0.5; }

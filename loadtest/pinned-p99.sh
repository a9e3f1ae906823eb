#!/usr/bin/env bash
# p99 at a fixed open-loop rate against the pinned collector (one worker on CPU 0, fsync on
# unless FSYNC=false, GeoLite2 on, ClickHouse unreachable), the project's load generator on
# CPU 1 with its realistic mix, beside two floors measured in the same round: nginx `return
# 204` on CPU 0 at the same rate (what the generator and loopback TCP add by themselves), and
# `loadtest disk` on the log's directory (what a beacon waits for the syncs alone). The
# generator is one IP standing for many shoppers, so the per-IP connection cap is off.
# Usage: loadtest/pinned-p99.sh [RATE=16000] [SECONDS=10] [ROUNDS=3]; BIN as in pinned-ingest.sh,
# MIX: more `loadtest run` options, e.g. MIX="--keepalive-pct 100 --gzip-pct 0 --bad-pct 0"
# for pinned-ingest.sh's traffic (kept-alive, plain, valid) instead of the realistic mix.
# EXTRA_ENV: more VAR=value for the collector.
set -uo pipefail
rate=${1:-16000}; secs=${2:-10}; rounds=${3:-3}; ramp=1
source "$(dirname "$0")/pinned-common.sh"
lt=${LOADTEST:-${CARGO_TARGET_DIR:-target}/release/loadtest}
[ -x "$lt" ] || { echo "needs $lt (cargo build --release -p rum-loadtest)"; exit 2; }
cat >"$work/summary.py" <<'PY'
import json, sys
s = json.load(sys.stdin)
l = s["latency_ms"]
print(f"  {s['achieved_rate']:.0f}/s sent, latency ms: p50 {l['p50']:.2f}  p90 {l['p90']:.2f}  "
      f"p99 {l['p99']:.2f}  p99.9 {l['p999']:.2f}  max {l['max']:.2f}; "
      f"generator lag p99 {s['generator_lag_ms']['p99']:.2f} ms; from the actual send: p50 {s['service_ms']['p50']:.2f} p99 {s['service_ms']['p99']:.2f} ms; statuses {s['statuses']}")
PY
load() {
  taskset -c 1 "$lt" run --collector "$1" --site bench --rate "$rate" --ramp "$ramp" \
    --seconds "$secs" --dir "$work/acked" ${MIX:-} 2>/dev/null | python3 "$work/summary.py"
}
for r in $(seq "$rounds"); do
  echo "== round $r: the disk alone"
  taskset -c 0 "$lt" disk --dir "$work" --seconds 5 | sed 's/^/  /'
  echo "== round $r: nginx at $rate/s for ${secs}s"
  start_nginx
  t0=$(ticks "$npid")
  load http://127.0.0.1:18191
  # Every request the generator sends: the linear ramp's half rate, then the full rate.
  awk -v t=$(( $(ticks "$npid") - t0 )) -v hz="$hz" -v n=$(( rate * secs + rate * ramp / 2 )) \
    'BEGIN { printf "  nginx: %.1f µs CPU per request\n", t * 1e6 / hz / n }'
  stop_nginx
  echo "== round $r: the collector at $rate/s for ${secs}s (fsync ${FSYNC:-true})"
  start_collector RUM__WAL__FSYNC="${FSYNC:-true}" RUM__SERVER__MAX_CONNECTIONS_PER_IP=0 ${EXTRA_ENV:-}
  t0=$(ticks "$cpid")
  load http://127.0.0.1:18190
  cpu=$(( $(ticks "$cpid") - t0 ))
  m=$(curl -fs http://127.0.0.1:18190/metrics)
  ok=$(awk '/^rum_http_responses_total\{status="204"\}/ {print $2}' <<<"$m")
  groups=$(awk '/^rum_wal_group_commits_total/ {print $2}' <<<"$m")
  awk -v t="$cpu" -v hz="$hz" -v ok="$ok" -v g="$groups" 'BEGIN {
    printf "  collector: %.1f µs CPU per beacon answered 204 (%d), %.1f beacons per group commit\n",
      t * 1e6 / hz / ok, ok, ok / g }'
  stop_collector
done

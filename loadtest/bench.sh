#!/usr/bin/env bash
# Reproduces the numbers in BENCHMARKS.md: the collector against nginx answering 204 on the
# same machine with the same worker count and the same load tools, latency at half load,
# fsync on/off, keep-alive vs new connections, memory, end-to-end accounting, agent size.
#   loadtest/bench.sh            (SECONDS_PER_RUN=10 WORKERS=2 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_APT_PACKAGES="wrk=wrk nginx=nginx-light" ./scripts/setup.sh >/dev/null
cargo build --release --quiet --workspace
./scripts/build-agent.sh >/dev/null
# shellcheck source=loadtest/common.sh
. loadtest/common.sh
cat >"$work/nginx.conf" <<NGINX
worker_processes $workers;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work;
  server { listen 127.0.0.1:18091; location = /v1/beacon { return 204; } }
}
NGINX

start_collector() { # fsync
  RUM__SERVER__LISTEN=127.0.0.1:18090 RUM__SERVER__WORKERS=$workers RUM__CLICKHOUSE__DATABASE=rum_bench \
  RUM__WAL__DIR="$work/wal" RUM__WAL__FSYNC=$1 RUM__SERVER__TRUSTED_PROXIES='["127.0.0.1"]' \
  RUM__GEOIP__PATH=.state/geoip/GeoLite2-City.mmdb RUM__LOG__LEVEL=error \
    "$bin"/collector serve >/dev/null 2>&1 &
  collector_pid=$!
  until curl -fs http://127.0.0.1:18090/healthz >/dev/null; do sleep 0.1; done
}
stop_collector() { kill "$collector_pid"; wait "$collector_pid" 2>/dev/null || true; }
rate_of() { awk '/Requests\/sec/ {print int($2)}'; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

echo "## Machine"
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), ClickHouse at $CLICKHOUSE_URL"
echo
echo "## Maximum rate (wrk -t2 -c64 -d${secs}s, keep-alive, same POST body)"
nginx -c "$work/nginx.conf"
nginx_rate=$(wrk -t2 -c64 -d"${secs}s" -s "$work/post.lua" http://127.0.0.1:18091/v1/beacon | rate_of)
kill "$(cat "$work/nginx.pid")"
start_collector true
coll_rate=$(wrk -t2 -c64 -d"${secs}s" -s "$work/post.lua" http://127.0.0.1:18090/v1/beacon | rate_of)
stop_collector
start_collector false
nofsync_rate=$(wrk -t2 -c64 -d"${secs}s" -s "$work/post.lua" http://127.0.0.1:18090/v1/beacon | rate_of)
stop_collector
echo "| server | req/s |"
echo "|---|---|"
echo "| nginx \`return 204\` | $nginx_rate |"
echo "| collector, WAL fsync on | $coll_rate ($(awk "BEGIN {printf \"%.2f\", $coll_rate/$nginx_rate}")× nginx) |"
echo "| collector, WAL fsync off | $nofsync_rate ($(awk "BEGIN {printf \"%.2f\", $nofsync_rate/$nginx_rate}")× nginx) |"
echo
half=$((coll_rate / 2))
# The realistic-mix generator shares the cores with the collector and ClickHouse; past a few
# thousand requests per second it, not the collector, falls behind (it reports its achieved
# rate). LATENCY_RATE defaults to what it can offer on a 2-core machine.
rate=${LATENCY_RATE:-2000}
echo "## Latency at $rate req/s (half the maximum would be $half req/s), open loop, realistic mix"
start_collector true
for ka in 90 0; do
  run="bench${ka}k$(date +%s)"
  ( sleep $((secs / 2 + 2)); echo "rss_mib=$(rss_mib "$collector_pid")" >"$work/rss" ) &
  "$bin"/loadtest run --collector http://127.0.0.1:18090 --rate "$rate" --seconds "$secs" --ramp 2 \
    --keepalive-pct "$ka" --run "$run" --dir "$work/acked" 2>/dev/null >"$work/run.json"
  verify=$("$bin"/loadtest verify --run "$run" --dir "$work/acked" --database rum_bench)
  echo "### keep-alive ${ka} %"
  echo '```'
  python3 -c "import json,sys; r=json.load(open('$work/run.json')); v=json.loads(sys.argv[1]); print('achieved', r['achieved_rate'], 'req/s; latency ms', r['latency_ms'], '; statuses', r['statuses']); print('accounting: acknowledged', v['acknowledged'], 'landed', v['landed'], 'missing', v['missing'], 'counted', v['page_views_counted'])" "$verify"
  cat "$work/rss"
  echo '```'
done
stop_collector
echo
echo "## Agent size"
echo "rum.js $(gzip -9c agent/dist/rum.js | wc -c) B + rum_agent_bg.wasm $(gzip -9c agent/dist/rum_agent_bg.wasm | wc -c) B gzipped"

#!/usr/bin/env bash
# The outage figures of BENCHMARKS.md: a 5-minute open-loop run (realistic mix) against the
# collector while its ClickHouse is stopped for a minute in the middle and started again;
# collector RSS and write-ahead-log size every 10 s, then acknowledged against landed.
# Uses a ClickHouse of its own (own data directory and ports), so nothing else is disturbed.
#   loadtest/bench-outage.sh    (RATE=1000 SECONDS_TOTAL=300 OUTAGE_AT=120 OUTAGE_FOR=60)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p rum-collector -p rum-loadtest
bin=${CARGO_TARGET_DIR:-target}/release
rate=${RATE:-1000}
total=${SECONDS_TOTAL:-300}
outage_at=${OUTAGE_AT:-120}
outage_for=${OUTAGE_FOR:-60}
work=$(mktemp -d)
export RUM_STATE=$work/state RUM_CH_HTTP_PORT=${OUTAGE_CH_HTTP_PORT:-28125} RUM_CH_TCP_PORT=${OUTAGE_CH_TCP_PORT:-29125}
ch_url=$(./scripts/clickhouse.sh start)
cleanup() {
  kill "$(jobs -p)" 2>/dev/null || true
  ./scripts/clickhouse.sh stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
port=${OUTAGE_PORT:-18097}
CLICKHOUSE_URL=$ch_url RUM__SERVER__LISTEN=127.0.0.1:$port RUM__SERVER__WORKERS=2 \
RUM__CLICKHOUSE__DATABASE=rum_outage RUM__WAL__DIR="$work/wal" RUM__LOG__LEVEL=error \
RUM__SERVER__TRUSTED_PROXIES='["127.0.0.1"]' RUM__GEOIP__PATH=.state/geoip/GeoLite2-City.mmdb \
  "$bin"/collector serve 2>"$work/collector.log" &
collector=$!
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done
metric() { curl -fs "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$collector/status"; }

run="outage$(date +%s)"
"$bin"/loadtest run --collector "http://127.0.0.1:$port" --rate "$rate" --seconds "$total" --ramp 2 \
  --run "$run" --dir "$work/acked" >"$work/run.json" 2>/dev/null &
load=$!
echo "## Outage run: $rate req/s for $total s, ClickHouse stopped at ${outage_at} s for ${outage_for} s"
echo
echo "| t (s) | ClickHouse | collector RSS (MiB) | WAL (MiB) | WAL lag (s) |"
echo "|---|---|---|---|---|"
start=$(date +%s)
state=up
while kill -0 "$load" 2>/dev/null; do
  t=$(($(date +%s) - start))
  if [[ $state == up && $t -ge $outage_at ]]; then
    ./scripts/clickhouse.sh stop >/dev/null
    state=down
  elif [[ $state == down && $t -ge $((outage_at + outage_for)) ]]; then
    ./scripts/clickhouse.sh start >/dev/null
    state=back
  fi
  wal=$(metric rum_wal_bytes)
  echo "| $t | $state | $(rss_mib) | $(awk "BEGIN {printf \"%.1f\", ${wal:-0}/1048576}") | $(metric rum_wal_lag_seconds) |"
  sleep 10
done
wait "$load" || true
drain_start=$(date +%s)
until [[ $(metric rum_wal_lag_seconds) == 0 ]] || (($(date +%s) - drain_start > 120)); do sleep 1; done
echo
echo "Write-ahead log drained $(($(date +%s) - drain_start)) s after the load stopped; collector RSS then $(rss_mib) MiB."
echo
echo '```'
python3 -c "import json; r=json.load(open('$work/run.json')); print('achieved', r['achieved_rate'], 'req/s; latency ms', r['latency_ms'], '; statuses', r['statuses'])"
CLICKHOUSE_URL=$ch_url "$bin"/loadtest verify --run "$run" --dir "$work/acked" --database rum_outage --wait 120
echo '```'

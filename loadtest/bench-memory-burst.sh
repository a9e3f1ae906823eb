#!/usr/bin/env bash
# Collector RSS before, during and after bursts past its capacity (open loop at RATE beacons/s
# for 6 s, twice, 10 s apart), with ClickHouse unreachable so only the collector is measured:
# does the memory a burst of connections took come back once it has passed?
#   loadtest/bench-memory-burst.sh   (RATE=35000 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p rum-collector -p rum-loadtest
bin=${CARGO_TARGET_DIR:-target}/release
work=$(mktemp -d)
CLICKHOUSE_URL=http://127.0.0.1:9 RUM__SERVER__LISTEN=127.0.0.1:18096 RUM__SERVER__WORKERS=2 \
  RUM__WAL__DIR="$work/wal" RUM__SERVER__TRUSTED_PROXIES='["127.0.0.1"]' \
  RUM__GEOIP__PATH=.state/geoip/GeoLite2-City.mmdb RUM__LOG__LEVEL=error \
  "$bin"/collector serve >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -fs http://127.0.0.1:18096/healthz >/dev/null; do sleep 0.1; done
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status"; }
line="RSS MiB: idle $(rss)"
for burst in 1 2; do
  "$bin"/loadtest run --collector http://127.0.0.1:18096 --rate "${RATE:-35000}" --seconds 6 --ramp 1 \
    --dir "$work/acked" >/dev/null 2>&1
  line="$line | after burst $burst $(rss)"
  sleep 12
  line="$line, 12 s later $(rss)"
done
echo "$line"

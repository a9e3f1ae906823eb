#!/usr/bin/env bash
# Brings up the whole system: ClickHouse (a private one unless CLICKHOUSE_URL is set), the
# collector, the demo storefront, and simulated shoppers in headless Chromium; then prints
# the percentile report and keeps serving until Ctrl-C.
#
#   ./scripts/up.sh            run and keep serving
#   ./scripts/up.sh --exit     stop after the report
#
# Environment: RUM_PORT (8080), DEMO_PORT (8081), JOURNEYS (20 shopper visits),
# CLICKHOUSE_URL (use that server instead of a private one), RUM__DASHBOARD__PASSWORD (the
# dashboard's password; default: one generated once and kept in .state/dashboard-password).
set -euo pipefail
cd "$(dirname "$0")/.."
exit_after=false
for arg in "$@"; do
  case $arg in
    --exit) exit_after=true ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done
say() { printf '\033[1m[up]\033[0m %s\n' "$*"; }

./scripts/setup.sh
say "building (release)"
cargo build --release --quiet -p rum-collector -p rum-demo-site
./scripts/build-agent.sh

if [[ -z ${CLICKHOUSE_URL:-} ]]; then
  ./scripts/clickhouse.sh start >/dev/null
  CLICKHOUSE_URL=$(./scripts/clickhouse.sh url)
fi
export CLICKHOUSE_URL

bin=${CARGO_TARGET_DIR:-target}/release
rum_port=${RUM_PORT:-8080}
demo_port=${DEMO_PORT:-8081}
collector_url=http://127.0.0.1:$rum_port
demo_url=http://127.0.0.1:$demo_port
logs=.state/logs
mkdir -p "$logs"

pids=()
config=
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -z $config ]] || rm -f "$config"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_healthy() {
  for _ in $(seq 1 200); do
    curl -fsS "$1/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "$3 exited; see $logs/$3.log" >&2; tail -n 20 "$logs/$3.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$3 did not become healthy; see $logs/$3.log" >&2
  exit 1
}

# The dashboard needs a password; generate one once so the URL printed below keeps working.
if [[ -z ${RUM__DASHBOARD__PASSWORD:-} ]]; then
  [[ -s .state/dashboard-password ]] || head -c 18 /dev/urandom | base64 | tr '+/' '-_' >.state/dashboard-password
  RUM__DASHBOARD__PASSWORD=$(cat .state/dashboard-password)
fi
export RUM__DASHBOARD__PASSWORD

# The demo site's key, with path rules that give the single-page section's routes their own
# page groups (its tag names none; the multi-page shop's tags do).
config=$(mktemp -t rum-up-XXXXXX.toml)
cat >"$config" <<TOML
[[sites]]
key = "demo"
origins = ["$demo_url"]
page_groups = [
  { path = "/spa/product/*", group = "spa-product" },
  { path = "/spa/cart", group = "spa-cart" },
  { path = "/spa", group = "spa-list" },
  { path = "/spa/*", group = "spa-list" },
]
TOML

# The demo's traffic is small (about 15 product page views per release): the verdict's
# minimum sample per side is lowered to match, for the collector and the report alike.
min_sample=${RUM__VERDICT__MIN_SAMPLE:-10}
say "starting collector on $collector_url (log: $logs/collector.log)"
# Only here is the loopback peer a trusted proxy: the simulated shoppers' X-Forwarded-For
# (public addresses in several countries) then reaches the geo lookup.
RUM_CONFIG=$config \
RUM__SERVER__TRUSTED_PROXIES=${RUM__SERVER__TRUSTED_PROXIES:-'["127.0.0.1"]'} \
RUM__SERVER__LISTEN=127.0.0.1:$rum_port \
RUM__GEOIP__PATH=${RUM__GEOIP__PATH:-.state/geoip/GeoLite2-City.mmdb} \
RUM__WAL__DIR=${RUM__WAL__DIR:-.state/wal} \
RUM__VERDICT__MIN_SAMPLE=$min_sample \
  "$bin"/collector serve >"$logs/collector.log" 2>&1 &
pids+=($!)
wait_healthy "$collector_url" $! collector

# The storefront runs release 1, then halfway a release 2 whose product pages are slower
# (a demo knob), so that the product pages' canary verdict fails (`collector report releases
# --group product`, and the dashboard's Releases section with the product group picked).
start_demo() {
  say "starting demo storefront, release $1, on $demo_url (log: $logs/demo-site.log)"
  "$bin"/demo-site --listen "127.0.0.1:$demo_port" --collector "$collector_url" \
    --release "$1" --slow-product-ms "$2" >>"$logs/demo-site.log" 2>&1 &
  demo_pid=$!
  pids+=($demo_pid)
  wait_healthy "$demo_url" $demo_pid demo-site
}
journeys=${JOURNEYS:-20}
since=$(date +%s)
start_demo 2026.12.01-1 0
say "driving $((journeys / 2)) shopper visits (half of them single-page, /spa/) in headless Chromium"
node tests/e2e/shoppers.mjs --demo "$demo_url" --journeys "$((journeys / 2))" --parallel 3
kill "$demo_pid" && wait "$demo_pid" 2>/dev/null || true
start_demo 2026.12.02-1 600
say "driving $((journeys - journeys / 2)) more on the new release"
node tests/e2e/shoppers.mjs --demo "$demo_url" --journeys "$((journeys - journeys / 2))" --parallel 3
sleep 2 # the collector flushes its batch at least every second

say "releases and the canary verdict (collector report releases --from $since)"
RUM__VERDICT__MIN_SAMPLE=$min_sample "$bin"/collector report releases --from "$since"
# Only product pages got slower, about a sixth of the views: too few to move every page's
# distribution at this volume, so the site-wide verdict may well pass. Judged on the page
# group the release touched, as a storefront team gates it, the regression shows.
say "the same for the product pages (collector report releases --group product --from $since)"
RUM__VERDICT__MIN_SAMPLE=$min_sample "$bin"/collector report releases --group product --from "$since"

say "percentiles per page group since the shoppers started (collector report --from $since)"
"$bin"/collector report --from "$since"

cat <<INFO

  demo storefront   $demo_url/  (single-page section: $demo_url/spa/)
  collector         $collector_url/  (/healthz, /metrics, POST /v1/beacon, /rum.js)
  dashboard         $collector_url/dashboard?group=product  (user rum, password $RUM__DASHBOARD__PASSWORD)
  ClickHouse        $CLICKHOUSE_URL  (database rum, table page_views)
  report again      $bin/collector report --since 1h
  logs              $logs/

INFO
if $exit_after; then
  exit 0
fi
say "serving; press Ctrl-C to stop"
wait

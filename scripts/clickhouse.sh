#!/usr/bin/env bash
# Starts (or stops) a private ClickHouse server for development and tests: its own data directory,
# its own ports, never the system service. Prints the HTTP URL on success.
#   scripts/clickhouse.sh start|stop|status|url
# Environment: RUM_STATE (default ./.state), RUM_CH_HTTP_PORT (18123), RUM_CH_TCP_PORT (19000),
# RUM_CH_EXTRA_CONFIG (XML elements added to the server's config; scripts/clickhouse-cluster.sh
# uses it for ZooKeeper, remote_servers and macros).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
state=${RUM_STATE:-$here/.state}
dir=$state/clickhouse
http_port=${RUM_CH_HTTP_PORT:-18123}
tcp_port=${RUM_CH_TCP_PORT:-19000}
url="http://127.0.0.1:$http_port"

server_bin() {
  for b in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    [ -x "$b" ] && { echo "$b"; return; }
  done
  command -v clickhouse >/dev/null && { echo "$(command -v clickhouse) server"; return; }
  echo "clickhouse-server not installed (apt-get install clickhouse-server)" >&2
  exit 1
}

is_up() { curl -fsS --max-time 2 "$url/ping" >/dev/null 2>&1; }

write_config() {
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/log" "$dir/format_schemas"
  cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog><size>100M</size><count>2</count></logger>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>1024</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>1073741824</mark_cache_size>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
  <max_table_size_to_drop>0</max_table_size_to_drop>
  <max_partition_size_to_drop>0</max_partition_size_to_drop>
  ${RUM_CH_EXTRA_CONFIG:-}
</yandex>
XML
  cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

start() {
  if is_up; then echo "$url"; return; fi
  write_config
  # shellcheck disable=SC2046
  nohup $(server_bin) --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 1 120); do
    if is_up; then echo "$url"; return; fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "clickhouse exited; see $dir/log" >&2; tail -20 "$dir/log/stdout.log" "$dir/log/error.log" >&2 || true; exit 1
    fi
    sleep 0.5
  done
  echo "clickhouse did not answer on $url within 60s" >&2
  exit 1
}

stop() {
  [ -f "$dir/pid" ] || return 0
  local pid; pid=$(cat "$dir/pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) is_up && echo "up $url" || { echo down; exit 1; } ;;
  url) echo "$url" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac

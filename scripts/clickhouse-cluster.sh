#!/usr/bin/env bash
# Starts (or stops) a private two-shard ClickHouse cluster for the cluster-flavour tests:
# a standalone ZooKeeper (Debian's `zookeeper` package) and two clickhouse-server processes
# (scripts/clickhouse.sh) with their own data directories and ports, cluster `rum_cluster`
# of shards 01 and 02, one replica each. Prints node 1's HTTP URL on success.
#   scripts/clickhouse-cluster.sh start|stop|url
# Environment: RUM_STATE (./.state), RUM_ZK_PORT (12181), RUM_CLUSTER_PORT_BASE (28100: node N
# uses base+N*10 for HTTP, +1 TCP, +2 interserver).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
state=${RUM_STATE:-$here/.state}/cluster
zk_port=${RUM_ZK_PORT:-12181}
base=${RUM_CLUSTER_PORT_BASE:-28100}
port() { echo $((base + $1 * 10 + $2)); }

# Serving, not only listening: while it loads its data ZooKeeper accepts connections and
# drops them, and a ClickHouse starting then gives up on its replicated tables.
zk_up() {
  [[ $(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$zk_port && printf ruok >&3 && cat <&3" \
    2>/dev/null) == imok ]]
}

start_zookeeper() {
  zk_up && return
  command -v java >/dev/null && [ -f /usr/share/java/zookeeper.jar ] \
    || { echo "ZooKeeper not installed (apt-get install zookeeper)" >&2; exit 1; }
  mkdir -p "$state/zookeeper"
  nohup java -Xmx256m -Dzookeeper.4lw.commands.whitelist=ruok -cp /usr/share/java/zookeeper.jar \
    org.apache.zookeeper.server.ZooKeeperServerMain "$zk_port" "$state/zookeeper/data" \
    >"$state/zookeeper/stdout.log" 2>&1 &
  echo $! >"$state/zookeeper/pid"
  for _ in $(seq 1 60); do zk_up && return; sleep 0.5; done
  echo "ZooKeeper did not listen on $zk_port within 30s; see $state/zookeeper" >&2
  exit 1
}

node_config() { # node number
  local shards="" n
  for n in 1 2; do
    shards+="<shard><internal_replication>true</internal_replication><replica><host>127.0.0.1</host><port>$(port $n 1)</port></replica></shard>"
  done
  cat <<XML
<zookeeper><node><host>127.0.0.1</host><port>$zk_port</port></node></zookeeper>
  <remote_servers><rum_cluster>$shards</rum_cluster></remote_servers>
  <macros><shard>0$1</shard><replica>node$1</replica></macros>
  <interserver_http_port>$(port "$1" 2)</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
XML
}

node() { # node number, command
  RUM_STATE="$state/node$1" RUM_CH_HTTP_PORT=$(port "$1" 0) RUM_CH_TCP_PORT=$(port "$1" 1) \
    RUM_CH_EXTRA_CONFIG="$(node_config "$1")" "$here/scripts/clickhouse.sh" "$2"
}

stop_zookeeper() {
  [ -f "$state/zookeeper/pid" ] || return 0
  local pid; pid=$(cat "$state/zookeeper/pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  rm -f "$state/zookeeper/pid"
}

case "${1:-start}" in
  start) start_zookeeper; node 2 start >/dev/null; node 1 start ;;
  stop) node 1 stop; node 2 stop; stop_zookeeper ;;
  url) echo "http://127.0.0.1:$(port 1 0)" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Start a three-node Kafka cluster for tests: each node is a combined
# broker+controller and the three form the KRaft controller quorum.
#
#   node 1: clients 127.0.0.1:19092, controller 127.0.0.1:19192
#   node 2: clients 127.0.0.1:19093, controller 127.0.0.1:19193
#   node 3: clients 127.0.0.1:19094, controller 127.0.0.1:19194
#
#   start-cluster.sh [DATA_DIR]    (default $HOMEWARD_KAFKA_HOME/cluster)
#
# Waits until all three brokers are live; prints the bootstrap list on stdout.
# Reusing a data dir restarts the cluster on its stored data.
# Then: stop.sh DATA_DIR [NODE_ID], kill-broker.sh DATA_DIR NODE_ID,
#       start-broker.sh DATA_DIR NODE_ID.
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

DATA="${1:-$HOMEWARD_KAFKA_HOME/cluster}"
mkdir -p "$DATA"
DATA="$(cd "$DATA" && pwd)"
ensure_lib

if [[ -f "$DATA/mode" && "$(cat "$DATA/mode")" != cluster ]]; then
  die "$DATA holds a $(cat "$DATA/mode") installation, not a cluster"
fi
echo cluster > "$DATA/mode"

voter_list=()
for id in "${CLUSTER_NODES[@]}"; do
  voter_list+=("$id@127.0.0.1:$(cluster_controller_port "$id")")
done
voters="$(IFS=,; echo "${voter_list[*]}")"

for id in "${CLUSTER_NODES[@]}"; do
  nd="$(node_dir "$DATA" "$id")"
  mkdir -p "$nd/data"
  render_config "$KAFKA_OPS_DIR/cluster.properties" "$nd/server.properties" \
    NODE_ID="$id" \
    BROKER_PORT="$(cluster_broker_port "$id")" \
    CONTROLLER_PORT="$(cluster_controller_port "$id")" \
    VOTERS="$voters" \
    LOG_DIRS="$nd/data"
  if [[ -z "$(node_pid "$DATA" "$id")" ]]; then
    for p in "$(cluster_broker_port "$id")" "$(cluster_controller_port "$id")"; do
      port_open "$p" && die "127.0.0.1:$p is already in use by another process"
    done
  fi
done

start=$SECONDS
cluster_id "$DATA" >/dev/null
for id in "${CLUSTER_NODES[@]}"; do
  format_node "$DATA" "$id"
done
# The quorum needs a majority of controllers, so all nodes start before any wait.
for id in "${CLUSTER_NODES[@]}"; do
  start_node "$DATA" "$id"
done
for id in "${CLUSTER_NODES[@]}"; do
  if ! wait_node_ready "$DATA" "$id"; then
    signal_nodes "$DATA" KILL "${CLUSTER_NODES[@]}"
    die "Kafka cluster did not start"
  fi
done
log "cluster ready in $((SECONDS - start))s (data $DATA)"
data_bootstrap "$DATA"

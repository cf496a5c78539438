#!/usr/bin/env bash
# Start ONE Kafka broker (combined broker+controller, KRaft, node id 1) in the
# background on 127.0.0.1:9092 (controller 127.0.0.1:9093) and wait until it
# serves clients. Reusing a data dir restarts the broker on its stored data.
#
#   start-single.sh [DATA_DIR]     (default $HOMEWARD_KAFKA_HOME/single)
#
# Prints the bootstrap address (127.0.0.1:9092) on stdout.
# Stop it with: stop.sh DATA_DIR
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

DATA="${1:-$HOMEWARD_KAFKA_HOME/single}"
mkdir -p "$DATA"
DATA="$(cd "$DATA" && pwd)"
ensure_lib

if [[ -f "$DATA/mode" && "$(cat "$DATA/mode")" != single ]]; then
  die "$DATA holds a $(cat "$DATA/mode") installation, not a single broker"
fi
echo single > "$DATA/mode"

id=1
nd="$(node_dir "$DATA" "$id")"
mkdir -p "$nd/data"
render_config "$KAFKA_OPS_DIR/single.properties" "$nd/server.properties" \
  NODE_ID="$id" \
  BROKER_PORT="$SINGLE_BROKER_PORT" \
  CONTROLLER_PORT="$SINGLE_CONTROLLER_PORT" \
  VOTERS="$id@127.0.0.1:$SINGLE_CONTROLLER_PORT" \
  LOG_DIRS="$nd/data"

if [[ -z "$(node_pid "$DATA" "$id")" ]]; then
  for p in "$SINGLE_BROKER_PORT" "$SINGLE_CONTROLLER_PORT"; do
    port_open "$p" && die "127.0.0.1:$p is already in use by another process"
  done
fi

start=$SECONDS
start_node "$DATA" "$id"
if ! wait_node_ready "$DATA" "$id"; then
  signal_nodes "$DATA" KILL "$id"
  die "Kafka did not start"
fi
log "single broker ready in $((SECONDS - start))s (data $DATA)"
echo "127.0.0.1:$SINGLE_BROKER_PORT"

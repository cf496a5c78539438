#!/usr/bin/env bash
# (Re)start one node of a data dir made by start-cluster.sh or start-single.sh,
# e.g. after kill-broker.sh or stop.sh DATA_DIR NODE_ID, and wait until it is a
# live broker again.
#
#   start-broker.sh DATA_DIR NODE_ID
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

[[ $# -eq 2 ]] || die "usage: start-broker.sh DATA_DIR NODE_ID"
[[ -d "$1" ]] || die "no data dir $1"
DATA="$(cd "$1" && pwd)"
id="$2"
data_mode "$DATA" >/dev/null
[[ -f "$(node_dir "$DATA" "$id")/server.properties" ]] || die "no node $id in $DATA"
ensure_lib

start=$SECONDS
start_node "$DATA" "$id"
if ! wait_node_ready "$DATA" "$id"; then
  signal_nodes "$DATA" KILL "$id"
  die "node $id did not start"
fi
log "node $id ready in $((SECONDS - start))s"
echo "127.0.0.1:$(node_client_port "$DATA" "$id")"

#!/usr/bin/env bash
# Stop the brokers of a data dir gracefully (SIGTERM) and wait until they have
# exited; a node still alive after HOMEWARD_KAFKA_STOP_TIMEOUT (60s) gets SIGKILL.
# All nodes are signalled at once (stopping a KRaft quorum one by one would
# leave the last nodes without a controller majority).
#
#   stop.sh DATA_DIR             stop every node
#   stop.sh DATA_DIR NODE_ID     stop one node
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

[[ $# -ge 1 && $# -le 2 ]] || die "usage: stop.sh DATA_DIR [NODE_ID]"
[[ -d "$1" ]] || die "no data dir $1"
DATA="$(cd "$1" && pwd)"
data_mode "$DATA" >/dev/null
if [[ $# -eq 2 ]]; then
  [[ -f "$(node_dir "$DATA" "$2")/server.properties" ]] || die "no node $2 in $DATA"
  signal_nodes "$DATA" TERM "$2"
else
  # shellcheck disable=SC2046
  signal_nodes "$DATA" TERM $(data_nodes "$DATA")
fi

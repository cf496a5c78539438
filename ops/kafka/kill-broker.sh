#!/usr/bin/env bash
# Kill one broker abruptly (SIGKILL, as in a crash) and wait until it is gone.
# Bring it back with start-broker.sh DATA_DIR NODE_ID.
#
#   kill-broker.sh DATA_DIR NODE_ID
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

[[ $# -eq 2 ]] || die "usage: kill-broker.sh DATA_DIR NODE_ID"
[[ -d "$1" ]] || die "no data dir $1"
DATA="$(cd "$1" && pwd)"
data_mode "$DATA" >/dev/null
[[ -f "$(node_dir "$DATA" "$2")/server.properties" ]] || die "no node $2 in $DATA"
signal_nodes "$DATA" KILL "$2"

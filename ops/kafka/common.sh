# shellcheck shell=bash
# Shared helpers for the Homeward Kafka ops scripts. Sourced, never executed.
#
# Environment (all optional):
#   HOMEWARD_KAFKA_HOME     cache root           (default ${XDG_CACHE_HOME:-$HOME/.cache}/homeward/kafka)
#   HOMEWARD_KAFKA_VERSION  broker version       (default: <kafka.version> in ops/kafka/pom.xml)
#   HOMEWARD_KAFKA_LIB      jar directory        (default $HOMEWARD_KAFKA_HOME/kafka-$VERSION/libs)
#   HOMEWARD_KAFKA_HEAP_OPTS broker heap          (default "-Xms256m -Xmx512m")
#   HOMEWARD_KAFKA_START_TIMEOUT seconds to wait for a broker to be ready (default 120)
#   HOMEWARD_KAFKA_STOP_TIMEOUT  seconds to wait after SIGTERM before SIGKILL (default 60)
#   JAVA                    java binary          (default: $JAVA_HOME/bin/java, else java on PATH)

KAFKA_OPS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

HOMEWARD_KAFKA_HOME="${HOMEWARD_KAFKA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/homeward/kafka}"
if [[ -z "${HOMEWARD_KAFKA_VERSION:-}" ]]; then
  HOMEWARD_KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_OPS_DIR/pom.xml" | head -n1)"
fi
HOMEWARD_KAFKA_LIB="${HOMEWARD_KAFKA_LIB:-$HOMEWARD_KAFKA_HOME/kafka-$HOMEWARD_KAFKA_VERSION/libs}"
HOMEWARD_KAFKA_START_TIMEOUT="${HOMEWARD_KAFKA_START_TIMEOUT:-120}"
HOMEWARD_KAFKA_STOP_TIMEOUT="${HOMEWARD_KAFKA_STOP_TIMEOUT:-60}"

if [[ -z "${JAVA:-}" ]]; then
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
  else
    JAVA="$(command -v java || true)"
  fi
fi

# Cluster layout: node N (1..3) listens for clients on 127.0.0.1:$((19091+N))
# and for the KRaft controller quorum on 127.0.0.1:$((19191+N)).
# shellcheck disable=SC2034  # used by the scripts that source this file
CLUSTER_NODES=(1 2 3)
cluster_broker_port() { echo $((19091 + $1)); }
cluster_controller_port() { echo $((19191 + $1)); }
# A second single broker beside the first (say, a benchmark while the tests run)
# takes other ports: HOMEWARD_KAFKA_PORT=29092 start-single.sh DIR (controller on +1).
SINGLE_BROKER_PORT="${HOMEWARD_KAFKA_PORT:-9092}"
# shellcheck disable=SC2034
SINGLE_CONTROLLER_PORT="$((SINGLE_BROKER_PORT + 1))"

log() { printf '[homeward-kafka] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

lib_ready() { [[ -f "$HOMEWARD_KAFKA_LIB/.complete" ]]; }

# Make sure the broker jars are present, fetching them through Maven if not.
ensure_lib() {
  [[ -n "$JAVA" ]] || die "no java found (set JAVA or JAVA_HOME); Kafka $HOMEWARD_KAFKA_VERSION needs Java 17+"
  local spec
  spec="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${spec%%.*}" =~ ^[0-9]+$ && "${spec%%.*}" -ge 17 ]] \
    || die "$JAVA is Java ${spec:-unknown}; the Kafka $HOMEWARD_KAFKA_VERSION broker needs Java 17+"
  if ! lib_ready; then
    "$KAFKA_OPS_DIR/fetch.sh" >&2
  fi
  lib_ready || die "Kafka jars missing in $HOMEWARD_KAFKA_LIB"
}

# Run a Kafka command-line class (TopicCommand, ConsoleProducer, ...) quietly:
# tool logging goes to stderr at WARN level.
kafka_tool() {
  local cls="$1"; shift
  "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_OPS_DIR/tools-log4j2.properties" \
    -cp "$HOMEWARD_KAFKA_LIB/*" "$cls" "$@"
}

# Data dir layout:
#   $DATA/mode            "single" or "cluster"
#   $DATA/cluster.id      the KRaft cluster id, made once
#   $DATA/node-N/server.properties, data/ (log.dirs), kafka.log, kafka.pid
node_dir() { echo "$1/node-$2"; }

data_mode() {
  local data="$1"
  [[ -f "$data/mode" ]] || die "$data is not a Homeward Kafka data dir (no $data/mode); run start-single.sh or start-cluster.sh first"
  cat "$data/mode"
}

data_nodes() {
  local data="$1" d
  for d in "$data"/node-*; do
    [[ -f "$d/server.properties" ]] && echo "${d##*/node-}"
  done | sort -n
}

node_client_port() {
  local data="$1" id="$2"
  if [[ "$(data_mode "$data")" == single ]]; then echo "$SINGLE_BROKER_PORT"; else cluster_broker_port "$id"; fi
}

data_bootstrap() {
  local data="$1" id addrs=()
  for id in $(data_nodes "$data"); do addrs+=("127.0.0.1:$(node_client_port "$data" "$id")"); done
  (IFS=,; echo "${addrs[*]}")
}

cluster_id() {
  local data="$1"
  if [[ ! -s "$data/cluster.id" ]]; then
    kafka_tool kafka.tools.StorageTool random-uuid > "$data/cluster.id.tmp"
    mv "$data/cluster.id.tmp" "$data/cluster.id"
  fi
  tr -d '[:space:]' < "$data/cluster.id"
}

# Write node config from a template: render_config TEMPLATE OUT key=value...
render_config() {
  local template="$1" out="$2"; shift 2
  local content kv
  content="$(cat "$template")"
  for kv in "$@"; do
    content="${content//@${kv%%=*}@/${kv#*=}}"
  done
  if grep -q '@[A-Z_]*@' <<<"$content"; then
    die "unfilled placeholder in $template: $(grep -o '@[A-Z_]*@' <<<"$content" | sort -u | tr '\n' ' ')"
  fi
  printf '%s\n' "$content" > "$out.tmp"
  mv "$out.tmp" "$out"
}

# Format the node's log dir once; a formatted dir is reused as is.
format_node() {
  local data="$1" id="$2" nd cid
  nd="$(node_dir "$data" "$id")"
  if [[ -f "$nd/data/meta.properties" ]]; then
    return 0
  fi
  cid="$(cluster_id "$data")"
  log "formatting KRaft storage of node $id (cluster id $cid)"
  kafka_tool kafka.tools.StorageTool format --ignore-formatted -t "$cid" -c "$nd/server.properties" >&2
}

# pid of the node's broker if it is running (and really is that broker), else empty.
node_pid() {
  local data="$1" id="$2" nd pid
  nd="$(node_dir "$data" "$id")"
  [[ -f "$nd/kafka.pid" ]] || return 0
  pid="$(cat "$nd/kafka.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$nd/server.properties"; then
    echo "$pid"
  fi
}

start_node() {
  local data="$1" id="$2" nd pid
  nd="$(node_dir "$data" "$id")"
  [[ -f "$nd/server.properties" ]] || die "no config for node $id in $data"
  pid="$(node_pid "$data" "$id")"
  if [[ -n "$pid" ]]; then
    log "node $id already running (pid $pid)"
    return 0
  fi
  format_node "$data" "$id"
  echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) starting Kafka $HOMEWARD_KAFKA_VERSION node $id" >> "$nd/kafka.log"
  # setsid: the broker must not belong to the caller's process group, so it
  # outlives this script and a Ctrl-C in the calling terminal.
  # shellcheck disable=SC2086
  setsid "$JAVA" ${HOMEWARD_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_OPS_DIR/log4j2.properties" \
    -XX:ErrorFile="$nd/hs_err_pid%p.log" \
    -cp "$HOMEWARD_KAFKA_LIB/*" kafka.Kafka "$nd/server.properties" \
    </dev/null >> "$nd/kafka.log" 2>&1 &
  echo $! > "$nd/kafka.pid"
  log "started node $id (pid $!), log $nd/kafka.log"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ids of the brokers that the cluster reachable at $1 reports as live, one a line.
live_broker_ids() {
  timeout 30 "$JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$KAFKA_OPS_DIR/tools-log4j2.properties" \
    -cp "$HOMEWARD_KAFKA_LIB/*" org.apache.kafka.tools.BrokerApiVersionsCommand \
    --bootstrap-server "$1" 2>/dev/null \
    | sed -n 's/^[^ ].*(id: \([0-9]*\) rack.*$/\1/p' | sort -n || true
}

# Wait until node $2 accepts connections and the cluster reports it as a live
# broker (registered and unfenced); on timeout print the log tail and fail.
wait_node_ready() {
  local data="$1" id="$2" nd port deadline
  nd="$(node_dir "$data" "$id")"
  port="$(node_client_port "$data" "$id")"
  deadline=$((SECONDS + HOMEWARD_KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if [[ -z "$(node_pid "$data" "$id")" ]]; then
      log "node $id exited during startup; last lines of $nd/kafka.log:"
      tail -n 60 "$nd/kafka.log" >&2
      return 1
    fi
    if port_open "$port" && live_broker_ids "127.0.0.1:$port" | grep -qx "$id"; then
      log "node $id ready on 127.0.0.1:$port"
      return 0
    fi
    sleep 1
  done
  log "node $id not ready after ${HOMEWARD_KAFKA_START_TIMEOUT}s; last lines of $nd/kafka.log:"
  tail -n 60 "$nd/kafka.log" >&2
  return 1
}

# Send $2 (TERM or KILL) to the given nodes at once, then wait for all to exit.
# After TERM, a node still alive after HOMEWARD_KAFKA_STOP_TIMEOUT gets KILL.
signal_nodes() {
  local data="$1" sig="$2"; shift 2
  local id pid pids=() ids=() deadline
  for id in "$@"; do
    pid="$(node_pid "$data" "$id")"
    if [[ -z "$pid" ]]; then
      log "node $id not running"
      rm -f "$(node_dir "$data" "$id")/kafka.pid"
      continue
    fi
    log "sending SIG$sig to node $id (pid $pid)"
    kill "-$sig" "$pid" 2>/dev/null || true
    pids+=("$pid"); ids+=("$id")
  done
  deadline=$((SECONDS + HOMEWARD_KAFKA_STOP_TIMEOUT))
  local i alive
  while :; do
    alive=0
    for i in "${!pids[@]}"; do
      [[ -n "$(node_pid "$data" "${ids[$i]}")" ]] && alive=1
    done
    ((alive)) || break
    if ((SECONDS >= deadline)); then
      for i in "${!pids[@]}"; do
        if [[ -n "$(node_pid "$data" "${ids[$i]}")" ]]; then
          log "node ${ids[$i]} still alive after ${HOMEWARD_KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
          kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
      done
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
  for id in "${ids[@]}"; do
    rm -f "$(node_dir "$data" "$id")/kafka.pid"
    log "node $id stopped"
  done
}

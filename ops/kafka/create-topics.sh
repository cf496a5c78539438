#!/usr/bin/env bash
# Create Homeward's topics, idempotently (existing topics are left as they are,
# except that their retention/cleanup/min-ISR configs are set again).
#
#   create-topics.sh BOOTSTRAP     e.g. 127.0.0.1:9092 or 127.0.0.1:19092,127.0.0.1:19093
#
# Topics:
#   homeward.events    the event log: keyed by stream id, kept forever
#                      (retention.ms=-1, retention.bytes=-1, cleanup.policy=delete)
#   homeward.commands  commands routed between instances, kept 7 days
#
# Replication factor: min(3, live brokers); min.insync.replicas: 2 when the
# replication factor is 3, else 1. Environment overrides:
#   HOMEWARD_KAFKA_PARTITIONS (12), HOMEWARD_KAFKA_REPLICATION_FACTOR,
#   HOMEWARD_KAFKA_MIN_ISR, HOMEWARD_KAFKA_TOPIC_PREFIX ("homeward.").
# Prints a description of the topics on stdout.
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

[[ $# -eq 1 ]] || die "usage: create-topics.sh BOOTSTRAP"
BOOTSTRAP="$1"
ensure_lib

partitions="${HOMEWARD_KAFKA_PARTITIONS:-12}"
prefix="${HOMEWARD_KAFKA_TOPIC_PREFIX:-homeward.}"
rf="${HOMEWARD_KAFKA_REPLICATION_FACTOR:-}"
if [[ -z "$rf" ]]; then
  brokers="$(live_broker_ids "$BOOTSTRAP" | wc -l)"
  ((brokers > 0)) || die "no live Kafka broker at $BOOTSTRAP"
  rf=$((brokers < 3 ? brokers : 3))
fi
min_isr="${HOMEWARD_KAFKA_MIN_ISR:-$((rf >= 3 ? 2 : 1))}"

# name|configs
topics=(
  "${prefix}events|retention.ms=-1,retention.bytes=-1,cleanup.policy=delete,min.insync.replicas=$min_isr"
  "${prefix}commands|retention.ms=604800000,cleanup.policy=delete,min.insync.replicas=$min_isr"
)

for t in "${topics[@]}"; do
  name="${t%%|*}" configs="${t#*|}"
  args=(--bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name"
        --partitions "$partitions" --replication-factor "$rf")
  IFS=, read -ra cfgs <<<"$configs"
  for c in "${cfgs[@]}"; do args+=(--config "$c"); done
  log "ensuring topic $name (partitions $partitions, replication $rf, $configs)"
  if ! out="$(kafka_tool org.apache.kafka.tools.TopicCommand "${args[@]}" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "could not create topic $name at $BOOTSTRAP"
  fi
  out="$(grep -v 'WARNING: Due to limitations in metric names' <<<"$out" || true)"
  [[ -z "$out" ]] || printf '%s\n' "$out" >&2
  if ! grep -q "^Created topic $name\.$" <<<"$out"; then
    # An existing topic keeps its partitions, but gets the configs again.
    kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$BOOTSTRAP" --alter \
      --entity-type topics --entity-name "$name" --add-config "$configs" >&2
  fi
done

names=()
for t in "${topics[@]}"; do names+=("${t%%|*}"); done
kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --describe \
  --topic "$(IFS='|'; echo "${names[*]}")"

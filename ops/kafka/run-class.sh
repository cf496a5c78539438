#!/usr/bin/env bash
# Run any Kafka command-line class on the fetched jars, like upstream's
# kafka-run-class.sh (tool logging: warnings only, on stderr). Examples:
#
#   run-class.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   run-class.sh org.apache.kafka.tools.ConsoleProducer --bootstrap-server 127.0.0.1:9092 \
#       --topic homeward.events --property parse.key=true --property key.separator=:
#   run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server 127.0.0.1:9092 \
#       --topic homeward.events --from-beginning --property print.key=true
#   run-class.sh org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server 127.0.0.1:19092 describe --status
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

[[ $# -ge 1 ]] || die "usage: run-class.sh CLASS [ARGS...]"
ensure_lib
cls="$1"; shift
exec "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="$KAFKA_OPS_DIR/tools-log4j2.properties" \
  -cp "$HOMEWARD_KAFKA_LIB/*" "$cls" "$@"

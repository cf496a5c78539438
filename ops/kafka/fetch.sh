#!/usr/bin/env bash
# Put the Apache Kafka broker jars (and its tools and logging runtime) into
# $HOMEWARD_KAFKA_LIB, through Maven (Maven Central), using ops/kafka/pom.xml.
# Idempotent: does nothing when the directory is already complete.
# Prints the jar directory on stdout.
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

if lib_ready; then
  log "Kafka $HOMEWARD_KAFKA_VERSION jars already in $HOMEWARD_KAFKA_LIB"
  echo "$HOMEWARD_KAFKA_LIB"
  exit 0
fi

command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"

mkdir -p "$(dirname "$HOMEWARD_KAFKA_LIB")"
tmp="$HOMEWARD_KAFKA_LIB.tmp.$$"
trap 'rm -rf "$tmp" "$tmp.mvn.log"' EXIT
rm -rf "$tmp"
log "fetching Kafka $HOMEWARD_KAFKA_VERSION with Maven into $HOMEWARD_KAFKA_LIB"
start=$SECONDS
# -B: no colours/progress; -q: errors only. The pom is read from ops/kafka
# whatever the current directory.
if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_OPS_DIR/pom.xml" \
  -Dkafka.version="$HOMEWARD_KAFKA_VERSION" \
  dependency:copy-dependencies \
  -DincludeScope=runtime \
  -DoutputDirectory="$tmp" > "$tmp.mvn.log" 2>&1; then
  cat "$tmp.mvn.log" >&2
  rm -f "$tmp.mvn.log"
  die "Maven could not fetch Kafka $HOMEWARD_KAFKA_VERSION"
fi
rm -f "$tmp.mvn.log"
ls "$tmp"/kafka_2.13-"$HOMEWARD_KAFKA_VERSION".jar >/dev/null \
  || die "Maven did not produce kafka_2.13-$HOMEWARD_KAFKA_VERSION.jar"
echo "$HOMEWARD_KAFKA_VERSION" > "$tmp/.complete"
rm -rf "$HOMEWARD_KAFKA_LIB"
mv "$tmp" "$HOMEWARD_KAFKA_LIB"
trap - EXIT
log "fetched $(find "$HOMEWARD_KAFKA_LIB" -name '*.jar' | wc -l) jars in $((SECONDS - start))s"
echo "$HOMEWARD_KAFKA_LIB"

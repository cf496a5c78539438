#!/usr/bin/env bash
# Runs every test of Homeward, installing what it needs when it is missing:
#   1. the Rust workspace on the embedded log (unit, property, API and end-to-end
#      tests of the real binary);
#   2. a real Apache Kafka broker (fetched from Maven Central by ops/kafka), then the
#      whole API suite on the Kafka backend and the Kafka end-to-end tests (several
#      instances, SIGKILL, broker restart, a killed leader in a three-broker cluster);
#   3. the served OpenAPI document against the OpenAPI 3.1 specification
#      (openapi-spec-validator), then a schema-driven fuzz run of the HTTP API
#      (schemathesis, from that document) against the real binary;
#   4. the wall display in a real headless Chromium.
# Usage: ops/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

ops/install-deps.sh

echo "==> building"
cargo build --locked -p homeward

echo "==> Rust tests (embedded log)"
cargo test --locked --workspace

echo "==> the OpenAPI document: OpenAPI 3.1 validator, then schemathesis"
tests/fuzz/schemathesis.sh

echo "==> Apache Kafka"
ops/kafka/fetch.sh >/dev/null
kafka_tmp="$(mktemp -d)"
cleanup() {
  ops/kafka/stop.sh "$kafka_tmp/single" >/dev/null 2>&1 || true
  ops/kafka/stop.sh "$kafka_tmp/cluster" >/dev/null 2>&1 || true
  rm -rf "$kafka_tmp"
}
trap cleanup EXIT
brokers="$(ops/kafka/start-single.sh "$kafka_tmp/single")"

echo "==> the API suite on Kafka ($brokers)"
HOMEWARD_TEST_KAFKA="$brokers" cargo test --locked -p homeward-api

echo "==> Kafka end to end"
HOMEWARD_TEST_KAFKA="$brokers" \
HOMEWARD_TEST_KAFKA_DATA="$kafka_tmp/single" \
HOMEWARD_TEST_KAFKA_CLUSTER_DATA="$kafka_tmp/cluster" \
  cargo test --locked -p homeward-tests --test kafka -- --ignored --test-threads=1

ops/kafka/stop.sh "$kafka_tmp/single" >/dev/null

echo "==> wall display in headless Chromium"
bash "$root/tests/browser/run.sh"

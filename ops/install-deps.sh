#!/usr/bin/env bash
# Installs the system packages the build needs when they are missing: the libcurl
# headers that the bundled librdkafka (the Kafka client) compiles against. Java 17
# and Maven (for the Kafka broker) and Node.js (for the browser tests) come with the
# machine; Chromium is installed by tests/browser/run.sh.
set -euo pipefail

missing=()
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || missing+=(libcurl4-openssl-dev)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
# Python's venv and curl for the schemathesis run (tests/fuzz/schemathesis.sh).
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

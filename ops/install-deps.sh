#!/usr/bin/env bash
# Installs the system packages the tests need when they are missing. Building Homeward
# needs only the Rust toolchain, a C compiler, make and perl (the bundled librdkafka is
# built by its own configure script, without libcurl); Java 17 and Maven run the Kafka
# broker, Python's venv and curl the schemathesis run. Node.js (for the browser tests)
# comes with the machine; Chromium is installed by tests/browser/run.sh.
set -euo pipefail

missing=()
command -v make >/dev/null 2>&1 || missing+=(make)
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

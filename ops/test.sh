#!/usr/bin/env bash
# Runs every test of Homeward: the Rust workspace (unit, property, API and end-to-end
# tests of the real binary), then the wall display in a real headless Chromium.
# Installs what it needs when missing. Usage: ops/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> building"
cargo build --locked -p homeward

echo "==> Rust tests"
cargo test --locked --workspace

if [ -f tests/browser/run.sh ]; then
  echo "==> wall display in headless Chromium"
  bash tests/browser/run.sh
fi

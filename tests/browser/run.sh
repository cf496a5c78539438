#!/usr/bin/env bash
# Real-browser tests of the crisis-room wall display, the field page and the answer page.
#
#   bash tests/browser/run.sh                 # run the tests
#   bash tests/browser/run.sh --screenshots   # also write docs/wall-display.png and docs/wall-replay.png
#   bash tests/browser/run.sh --field         # only the field page and answer link tests
#
# Installs what it needs when it is missing: Debian's chromium (never a downloaded
# browser build), libfaketime (lets the scenario be recorded over past hours) and the
# npm packages from package-lock.json; builds the server with `cargo build -p homeward`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ "${1:-}" = "--screenshots" ]; then
  export WALL_SCREENSHOT_DIR="$root/docs"
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation fonts-dejavu-core)
ls /usr/lib/*/faketime/libfaketimeMT.so.1 >/dev/null 2>&1 || missing+=(faketime)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "run.sh: installing ${missing[*]}" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ ! -d "$here/node_modules/playwright-core" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

(cd "$root" && cargo build -p homeward)

cd "$here"
if [ "${1:-}" = "--field" ]; then
  exec node --test --test-concurrency=1 field.test.js
fi
exec node --test --test-concurrency=1 wall.test.js field.test.js

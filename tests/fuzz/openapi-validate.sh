#!/usr/bin/env bash
# Checks an OpenAPI document against the OpenAPI 3.1 specification with a standard
# validator (openapi-spec-validator, installed into a venv of its own).
#
#   tests/fuzz/openapi-validate.sh http://127.0.0.1:8080/openapi.json
#   tests/fuzz/openapi-validate.sh openapi.json
set -euo pipefail

cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/openapi-validator-venv"
doc="${1:?the URL or file of the OpenAPI document}"

if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "openapi-spec-validator>=0.7,<0.10"
fi

# The validator reads files: a served document is fetched first.
if [[ "$doc" == http://* || "$doc" == https://* ]]; then
  file="$(mktemp --suffix=.json)"
  trap 'rm -f "$file"' EXIT
  curl -fsS "$doc" -o "$file"
  doc="$file"
fi

"$venv/bin/openapi-spec-validator" --schema 3.1.0 "$doc"

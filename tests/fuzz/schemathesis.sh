#!/usr/bin/env bash
# Schema-driven fuzzing of the HTTP API: starts the real binary on the embedded log
# with a fresh data directory, and lets schemathesis generate requests from the served
# OpenAPI document (valid and invalid) for every operation, as a duty officer and as an
# admin. Fails on any 5xx answer and on any answer that breaks the document (status
# not documented, body not matching its schema, wrong content type). The server's log
# is kept and checked for panics. First, the served document is checked against the
# OpenAPI 3.1 specification (tests/fuzz/openapi-validate.sh).
#
#   tests/fuzz/schemathesis.sh            # builds the binary, installs schemathesis into a venv
#   ST_EXAMPLES=200 tests/fuzz/schemathesis.sh
set -euo pipefail

cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/schemathesis-venv"
examples="${ST_EXAMPLES:-25}"

if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  # hypothesis is held below 6.120: later versions break schemathesis 3.x.
  "$venv/bin/pip" install --quiet "schemathesis>=3.39,<4" "hypothesis<6.120"
fi

cargo build --quiet -p homeward
bin="$target/debug/homeward"
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --data-dir "$work/data" --listen "127.0.0.1:$port" --rate-limit 0 \
  2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1 # waiting for a separate process to listen: there is nothing to await
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null

status=0
echo "== the OpenAPI document against the OpenAPI 3.1 specification"
tests/fuzz/openapi-validate.sh "http://127.0.0.1:$port/openapi.json" || status=1

for role in duty_officer admin; do
  token=$("$bin" token issue --data-dir "$work/data" --subject "fuzz-$role" --role "$role" --ttl 2h | tail -1)
  echo "== schemathesis as $role ($examples examples per operation)"
  "$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --header "Authorization: Bearer $token" \
    --hypothesis-max-examples "$examples" \
    --hypothesis-derandomize \
    --exclude-path /v1/board/stream \
    --request-timeout 10000 \
    --experimental=openapi-3.1 \
    --no-color || status=1
done

if grep -q "panicked" "$work/server.log"; then
  echo "the server panicked:" >&2
  grep -A5 "panicked" "$work/server.log" >&2
  status=1
fi
exit $status

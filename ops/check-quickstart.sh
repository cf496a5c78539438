#!/usr/bin/env bash
# Checks that the README's first commands still do what it says, as a newcomer runs
# them from the repository root:
#   1. "The two commands": `cargo run --release -- serve` builds and serves (checked
#      by /healthz), and ops/test.sh exists (CI runs it next);
#   2. "The first minute": every command of the quickstart block, in order (the one
#      that serves runs in the background until /healthz answers); the token it prints
#      opens the wall page of the URL it shows, and the board there holds the demo's
#      open incidents, recorded minutes ago.
# The data directories are temporary ones in place of ./homeward-data and demo-data.
# Usage: ops/check-quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
server=""
stop_server() {
  if [[ -n "$server" ]]; then
    kill -INT "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

die() { echo "check-quickstart: $*" >&2; exit 1; }

wait_healthy() {
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null http://127.0.0.1:8080/healthz 2>/dev/null && return 0
    kill -0 "$server" 2>/dev/null || die "the server exited before serving (log: $(tail -5 "$work/serve.log"))"
    sleep 0.5
  done
  die "the server did not answer /healthz within 5 minutes"
}

# The fenced block right after a marker line, or a section's first fenced block.
block_after() {
  awk -v start="$1" '
    index($0, start) == 1 { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    found && inside { print }
  ' README.md
}

echo "==> the two commands"
two="$(block_after "## The two commands")"
[[ "$(echo "$two" | head -1)" == "cargo run --release -- serve" ]] \
  || die "the README's first command is no longer \`cargo run --release -- serve\`"
grep -qx "ops/test.sh" README.md || die "the README no longer names ops/test.sh"
[[ -x ops/test.sh ]] || die "ops/test.sh is missing or not executable"
cargo build --release --locked -p homeward
HOMEWARD_DATA_DIR="$work/first" cargo run -q --release -- serve >"$work/serve.log" 2>&1 &
server=$!
wait_healthy
grep -q "http://127.0.0.1:8080/?token=" "$work/serve.log" || die "serve does not print the wall's URL"
stop_server

echo "==> the first minute"
quick="$(block_after "<!-- quickstart -->")"
[[ -n "$quick" ]] || die "the README has no quickstart block"
token=""
url=""
while IFS= read -r line; do
  [[ -z "$line" ]] && continue
  if [[ "$line" == "# open "* ]]; then
    url="${line#\# open }"
    continue
  fi
  [[ "$line" == "#"* ]] && continue
  cmd="${line//demo-data/$work/demo}"
  echo "+ $line"
  if [[ "$cmd" == *" serve"* ]]; then
    bash -c "$cmd" >"$work/serve.log" 2>&1 &
    server=$!
    wait_healthy
  elif [[ "$cmd" == *"token issue"* ]]; then
    token="$(bash -c "$cmd")"
  else
    bash -c "$cmd"
  fi
done <<<"$quick"

[[ -n "$token" ]] || die "the quickstart issues no token"
[[ "$url" == "http://127.0.0.1:8080/?token=<that token>" ]] || die "the quickstart's URL is '$url'"
page="$(curl -fsS "http://127.0.0.1:8080/?token=$token")"
grep -q "wall/app.js" <<<"$page" || die "the URL does not serve the wall display"
board="$(curl -fsS -H "Authorization: Bearer $token" http://127.0.0.1:8080/v1/board)"
python3 - "$board" <<'EOF'
import datetime, json, sys
board = json.loads(sys.argv[1])
incidents = board.get("incidents") or board.get("open_incidents") or []
if not incidents:
    sys.exit("check-quickstart: the demo's board shows no open incident")
latest = max(i["last_activity"] for i in incidents)
at = datetime.datetime.fromisoformat(latest[:19] + "+00:00")
age = datetime.datetime.now(datetime.timezone.utc) - at
if age > datetime.timedelta(hours=6):
    sys.exit(f"check-quickstart: the board's latest activity is {age} old")
print(f"check-quickstart: {len(incidents)} open incidents on the wall, the latest active {age} ago")
EOF
stop_server
echo "==> the quickstart holds"

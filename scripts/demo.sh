#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds caro (release) and runs the product flow: a local relay; home A
# creates an identity (`sync init`) and records commands; home B joins with the 24 words and finds them.
# `scripts/demo.sh --protocol` runs the embedded protocol demo (`caro demo`) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The Swift runtime is linked statically: caro starts ~4x faster and runs without the toolchain.
swift build -c release --static-swift-stdlib --product caro
CARO="$PWD/.build/release/caro"
if [ "${1:-}" = "--protocol" ]; then exec "$CARO" demo; fi

WORK="$(mktemp -d)"
trap 'kill "$RELAY_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$CARO" relay --host 127.0.0.1 --port 0 --db "$WORK/relay.db" > "$WORK/relay.out" 2>/dev/null &
RELAY_PID=$!
for _ in $(seq 100); do grep -q 127.0.0.1 "$WORK/relay.out" 2>/dev/null && break; sleep 0.05; done
URL="ws://$(grep -o '127\.0\.0\.1:[0-9]*' "$WORK/relay.out" | head -1)"
echo "relay: $URL (storing in $WORK/relay.db)"

A="$WORK/home-a"
B="$WORK/home-b"
set -x
"$CARO" --home "$A" history add --command "git log --oneline -5" --prompt "last five commits" --cwd /srv/app
"$CARO" --home "$A" history add --command "docker compose up -d" --cwd /srv/app
"$CARO" --home "$A" sync init --relay "$URL" --words-file "$WORK/words.txt" --device-name laptop
"$CARO" --home "$A" history add --command "kubectl get pods -n web"
"$CARO" --home "$A" sync now
"$CARO" --home "$B" sync join --relay "$URL" --words-file "$WORK/words.txt" --device-name desktop
"$CARO" --home "$B" history search git
"$CARO" --home "$B" history list
"$CARO" --home "$B" devices list
set +x
if grep -q -a -e "kubectl" -e "last five commits" -e "/srv/app" "$WORK/relay.db"*; then
  echo "the relay's database holds plaintext!" >&2; exit 1
fi
echo "the relay's database holds none of the commands, prompts or directories in plaintext"

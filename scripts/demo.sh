#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds caro (release) and runs the product flow: a local relay; home A
# creates an identity (`sync init`) and records commands through the bash shell hook; home B joins with the 24 words and finds them.
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
"$CARO" --home "$A" sync init --relay "$URL" --words-file "$WORK/words.txt" --device-name laptop
# Caro records a command it generated, with the prompt it came from:
"$CARO" --home "$A" history add --command "git log --oneline -5" --prompt "last five commits" --cwd "$WORK"
set +x
# Commands typed in a shell are recorded by the shell hook (`eval "$(caro init bash)"` in ~/.bashrc):
# here a real interactive bash reads them from a pipe.
mkdir -p "$WORK/app"
printf '%s\n' "eval \"\$('$CARO' --home '$A' init bash)\"" "cd '$WORK/app'" \
  'echo "deploying web"' 'ls no-such-file' 'printf "%s\n" kubectl get pods -n web' 'exit' |
  env -i HOME="$WORK" PATH="$PATH" TERM=dumb PS1='bash$ ' bash --norc --noprofile -i 2>&1 | grep -v 'no job control' | sed 's/^/  | /'
# The hook records in the background: wait for the last command to land.
for _ in $(seq 100); do "$CARO" --home "$A" history search --limit 1 kubectl | grep -q kubectl && break; sleep 0.05; done
set -x
"$CARO" --home "$A" history list
"$CARO" --home "$A" sync now
"$CARO" --home "$B" sync join --relay "$URL" --words-file "$WORK/words.txt" --device-name desktop
"$CARO" --home "$B" history search git
"$CARO" --home "$B" history search --exit nonzero
"$CARO" --home "$B" history list
"$CARO" --home "$B" devices list
set +x
if grep -q -a -e "kubectl" -e "last five commits" -e "deploying web" -e "$WORK/app" "$WORK/relay.db"*; then
  echo "the relay's database holds plaintext!" >&2; exit 1
fi
echo "the relay's database holds none of the commands, prompts or directories in plaintext"

#!/usr/bin/env bash
# Restore benchmark (issue 12): a new device runs `caro sync join` against a local relay holding N history
# entries (default 10 000), on a fresh home; timed as a whole process with hyperfine, peak RSS with
# /usr/bin/time (with the CPU time: on a loaded machine wall time mostly measures the others).
# Usage: scripts/bench-sync-restore.sh [N] (after scripts/release.sh). BASELINE=/path/to/older/caro measures
# that binary's join too, in the same run, on a relay of its own set up the same way: every join registers
# one more device in the identity's group, so joins on one relay get slower run by run, and a binary timed
# after another on the same relay would be measured on a bigger group. Prints the machine's speed (sha256 of
# 300 MB) before and after each binary's runs: compare figures only at similar speeds.
set -euo pipefail
N="${1:-10000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CARO="${CARO:-$ROOT/.build-static/release/caro}"
WORK="$(mktemp -d)"
RELAYS=()
trap 'for pid in "${RELAYS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

# A fresh in-memory relay and device A with N entries (inserted directly, pending as after `history add`),
# pushed by `sync init` (always with $CARO, so both relays hold the same feed). Writes the relay URL to
# $dir/url (not printed: a command substitution would start the relay in a subshell the trap cannot see).
setup() {
  local dir="$1"
  mkdir -p "$dir"
  "$CARO" relay --host 127.0.0.1 --port 0 --in-memory > "$dir/relay.out" 2>/dev/null &
  RELAYS+=($!)
  for _ in $(seq 100); do grep -q 127.0.0.1 "$dir/relay.out" 2>/dev/null && break; sleep 0.05; done
  local url="ws://$(grep -o '127\.0\.0\.1:[0-9]*' "$dir/relay.out" | head -1)"
  "$CARO" --home "$dir/a" history list > /dev/null
  sqlite3 "$dir/a/caro.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
    INSERT INTO history (id, created_at, command, prompt, cwd, shell, hostname, device_id, platform)
    SELECT printf('01900000-0000-7000-8000-%012d', i), 1700000000000 + i, 'git commit -m \"change number ' || i || '\" --signoff',
           CASE WHEN i % 3 = 0 THEN 'commit the change ' || i END, '/home/user/project' || (i % 50), 'zsh', 'laptop', 'a', 'linux'
    FROM n;"
  "$CARO" --home "$dir/a" prefs set max-entries 0 > /dev/null
  "$CARO" --home "$dir/a" sync init --relay "$url" --words-file "$dir/words" --quiet > /dev/null
  echo "$url" > "$dir/url"
}

# The machine's speed at the time, beside each binary's runs: a shared VM's speed drifts by 10-30 % from one
# minute to the next, and with it every figure here (the same join's CPU time too).
calibrate() {
  /usr/bin/time -f "machine speed: sha256 of 300 MB in %e s (CPU %U s; this VM at its usual speed: ~1.0 s)" \
    bash -c 'head -c 300M /dev/zero | sha256sum > /dev/null'
}

index=0
for binary in "$CARO" ${BASELINE:+"$BASELINE"}; do
  index=$((index + 1))
  dir="$WORK/relay$index"
  setup "$dir"
  calibrate
  url="$(cat "$dir/url")"
  # Device B: join on a fresh home, repeatedly.
  hyperfine --warmup 1 --runs "${RUNS:-10}" --prepare "rm -rf '$dir/b'" \
    "'$binary' --home '$dir/b' sync join --relay $url --words-file '$dir/words' --quiet"
  rm -rf "$dir/b"
  /usr/bin/time -f "$binary: peak RSS %M KB, %e s wall, CPU %U s user + %S s system" \
    "$binary" --home "$dir/b" sync join --relay "$url" --words-file "$dir/words" --quiet
  echo "entries searchable on B: $("$CARO" --home "$dir/b" history search 'change number' --limit 100000 --json | grep -o '"id"' | wc -l)"
  calibrate
done

#!/usr/bin/env bash
# Restore benchmark (issue 12): a new device runs `caro sync join` against a local relay holding N history
# entries (default 10 000), on a fresh home; timed as a whole process with hyperfine, peak RSS with
# /usr/bin/time (with the CPU time: on a loaded machine wall time mostly measures the others).
# Usage: scripts/bench-sync-restore.sh [N] (after scripts/release.sh). BASELINE=/path/to/older/caro adds
# that binary's join to the same hyperfine run and the same relay, side by side.
set -euo pipefail
N="${1:-10000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CARO="${CARO:-$ROOT/.build-static/release/caro}"
WORK="$(mktemp -d)"
trap 'kill "$RELAY_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$CARO" relay --host 127.0.0.1 --port 0 --in-memory > "$WORK/relay.out" 2>/dev/null &
RELAY_PID=$!
for _ in $(seq 100); do grep -q 127.0.0.1 "$WORK/relay.out" 2>/dev/null && break; sleep 0.05; done
URL="ws://$(grep -o '127\.0\.0\.1:[0-9]*' "$WORK/relay.out" | head -1)"

# Device A: N entries (inserted directly, pending as after `history add`), then `sync init` pushes them.
"$CARO" --home "$WORK/a" history list > /dev/null
sqlite3 "$WORK/a/caro.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
  INSERT INTO history (id, created_at, command, prompt, cwd, shell, hostname, device_id, platform)
  SELECT printf('01900000-0000-7000-8000-%012d', i), 1700000000000 + i, 'git commit -m \"change number ' || i || '\" --signoff',
         CASE WHEN i % 3 = 0 THEN 'commit the change ' || i END, '/home/user/project' || (i % 50), 'zsh', 'laptop', 'a', 'linux'
  FROM n;"
"$CARO" --home "$WORK/a" prefs set max-entries 0 > /dev/null
"$CARO" --home "$WORK/a" sync init --relay "$URL" --words-file "$WORK/words" --quiet > /dev/null

# Device B: join on a fresh home, repeatedly.
commands=("'$CARO' --home '$WORK/b' sync join --relay $URL --words-file '$WORK/words' --quiet")
[ -n "${BASELINE:-}" ] && commands+=("'$BASELINE' --home '$WORK/b' sync join --relay $URL --words-file '$WORK/words' --quiet")
hyperfine --warmup 1 --runs "${RUNS:-10}" --prepare "rm -rf '$WORK/b'" "${commands[@]}"
for binary in "$CARO" ${BASELINE:+"$BASELINE"}; do
  rm -rf "$WORK/b"
  /usr/bin/time -f "$binary: peak RSS %M KB, %e s wall, CPU %U s user + %S s system" \
    "$binary" --home "$WORK/b" sync join --relay "$URL" --words-file "$WORK/words" --quiet
done
echo "entries searchable on B: $("$CARO" --home "$WORK/b" history search 'change number' --limit 100000 --json | grep -o '"id"' | wc -l)"

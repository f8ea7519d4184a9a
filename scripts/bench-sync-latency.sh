#!/usr/bin/env bash
# Latency benchmark (issue 12): homes A and B both run `caro sync watch` against a local relay; an entry
# added on A (`caro history add`) is timed until `caro history search` on B finds it (polled every 20 ms).
# Prints p50/p99/max over N entries (default 100). Usage: scripts/bench-sync-latency.sh [N] (after scripts/release.sh).
set -euo pipefail
N="${1:-100}"
CARO="${CARO:-$(cd "$(dirname "$0")/.." && pwd)/.build-static/release/caro}"
WORK="$(mktemp -d)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

"$CARO" relay --host 127.0.0.1 --port 0 --in-memory > "$WORK/relay.out" 2>/dev/null &
PIDS+=($!)
for _ in $(seq 100); do grep -q 127.0.0.1 "$WORK/relay.out" 2>/dev/null && break; sleep 0.05; done
URL="ws://$(grep -o '127\.0\.0\.1:[0-9]*' "$WORK/relay.out" | head -1)"
"$CARO" --home "$WORK/a" sync init --relay "$URL" --words-file "$WORK/words" --quiet > /dev/null
"$CARO" --home "$WORK/b" sync join --relay "$URL" --words-file "$WORK/words" --quiet
"$CARO" --home "$WORK/a" sync watch --quiet > /dev/null 2>&1 &
PIDS+=($!)
"$CARO" --home "$WORK/b" sync watch --quiet > /dev/null 2>&1 &
PIDS+=($!)
sleep 1

: > "$WORK/latencies"
for i in $(seq "$N"); do
  start=$(date +%s%N)
  "$CARO" --home "$WORK/a" history add --command "latency-probe-$i-$RANDOM" > /dev/null
  until "$CARO" --home "$WORK/b" history search "latency-probe-$i" --limit 1 | grep -q "latency-probe-$i"; do sleep 0.02; done
  echo $(( ($(date +%s%N) - start) / 1000000 )) >> "$WORK/latencies"
done
sort -n "$WORK/latencies" | awk '{ v[NR] = $1 } END {
  p50 = v[int((NR + 1) * 0.5)]; p99 = v[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1];
  printf "A add → B search, %d entries: p50 %d ms, p99 %d ms, max %d ms\n", NR, p50, p99, v[NR] }'

#!/usr/bin/env bash
# Builds the libFuzzer targets (the separate package in Fuzz/, so the main build never compiles them)
# and runs each one for SECONDS (default 60) or FUZZ_RUNS iterations (default 1000000), whichever
# comes first. Targets: sync-frame json ingest bip39 websocket-url history-import search-query (all
# when none is named). Docs/security.md (Fuzzing) has the figures of the long runs.
#
#   scripts/fuzz.sh                 # 60 s smoke run of every target (CI)
#   scripts/fuzz.sh 1800 ingest     # one long run
#
# Inputs: the committed seeds (Fuzz/Corpus/TARGET), the inputs of past findings (Fuzz/Regressions/TARGET),
# and, when python3 is there, every seed Fuzz/make-corpus.py makes from Fixtures/. New inputs are kept in
# Fuzz/.build/corpus/TARGET; a crash, hang, leak or ASan report is written to Fuzz/.build/artifacts/TARGET/
# and makes the script exit non-zero. Logs: Fuzz/.build/logs/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(sync-frame json ingest bip39 websocket-url history-import search-query)
seconds=60
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
runs=${FUZZ_RUNS:-1000000}

toolchain_lib="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib"
if ! ls "$toolchain_lib"/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 \
    && ! ls "$toolchain_lib"/swift/clang/lib/*/libclang_rt.fuzzer*.a >/dev/null 2>&1; then
  echo "fuzz.sh: this Swift toolchain has no libFuzzer runtime (libclang_rt.fuzzer); install the swift.org Linux toolchain." >&2
  exit 1
fi

# FUZZ_BUILD: the build directory (default Fuzz/.build).
build=${FUZZ_BUILD:-Fuzz/.build}
seeds=$build/corpus-seeds
if command -v python3 >/dev/null 2>&1; then
  python3 Fuzz/make-corpus.py "$seeds" >/dev/null
fi

# One build for every target (debug configuration, optimized, with libFuzzer's coverage and ASan).
for target in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $target "* ]] || { echo "fuzz.sh: unknown target '$target' (one of: ${all_targets[*]})" >&2; exit 2; }
  echo "building fuzz-$target"
  swift build -c debug --package-path Fuzz --scratch-path "$build" --product "fuzz-$target" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -O 2>&1 | grep -E "error|warning: unre|Build of" || true
  [ -x "$build/debug/fuzz-$target" ] || { echo "fuzz.sh: fuzz-$target did not build" >&2; exit 1; }
done

status=0
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  artifacts=$build/artifacts/$target
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  inputs=("$corpus")
  for dir in "Fuzz/Corpus/$target" "Fuzz/Regressions/$target" "$seeds/$target"; do
    [ -d "$dir" ] && inputs+=("$dir")
  done
  log=$build/logs/$target.log
  # Frames: room for a few batched messages (the JS client batches up to 25 000 bytes), small enough to
  # mutate quickly. The others: libFuzzer's default (grows from the seeds).
  limits=()
  case $target in sync-frame|ingest) limits=(-max_len=16384) ;; esac
  echo "fuzzing $target for ${seconds}s (at most $runs runs)"
  # Swift's own crash backtracer would take minutes to symbolicate; ASan and libFuzzer report instead.
  if SWIFT_BACKTRACE=enable=no \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
    LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan-suppressions.txt:print_suppressions=0" \
    "$build/debug/fuzz-$target" -max_total_time="$seconds" -runs="$runs" -timeout=30 -rss_limit_mb=2560 \
      -print_final_stats=1 "${limits[@]}" -artifact_prefix="$artifacts/" "${inputs[@]}" >"$log" 2>&1; then
    grep -E "^#[0-9]+[[:space:]]+DONE" "$log" | tail -1 || true
    grep -E "^Done [0-9]+ runs" "$log" | tail -1 || true
  else
    status=1
    echo "fuzz-$target FAILED (log: $log):" >&2
    grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$log" | head -10 >&2 || true
  fi
done
exit $status

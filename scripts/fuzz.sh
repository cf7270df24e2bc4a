#!/usr/bin/env bash
# Fuzzes Switchboard's parsers with libFuzzer (address sanitizer on), one target after
# another, each for SECONDS; new inputs that reach new code join the kept corpus
# (Tests/Fuzz/corpus/<target>, minimised afterwards), and a crash is kept under
# Tests/Fuzz/crashes/ and stops the run with libFuzzer's report.
#
# usage: scripts/fuzz.sh <SwitchboardFuzz built with libFuzzer> <seconds> [target…]
# With FUZZ_KEEP=0 (as `make test` runs it) the kept corpus is only read.
set -euo pipefail
keep=${FUZZ_KEEP:-1}
fuzzer=$1
seconds=$2
shift 2
targets=("$@")
# Every target has a kept corpus folder.
[ ${#targets[@]} -gt 0 ] && [ "${targets[0]}" != all ] || mapfile -t targets < <(ls Tests/Fuzz/corpus)
mkdir -p Tests/Fuzz/crashes
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
# Swift's own crash handler reads the stack in a way the address sanitizer reports as an
# error of its own; libFuzzer's report says what failed.
export SWIFT_BACKTRACE=enable=no
total_runs=0
target=
# A step that fails outside libFuzzer (a full disk, a missing folder) says which.
trap 'status=$?; echo "fuzz: ${target:-setup}: \"$BASH_COMMAND\" failed (exit $status) on line $LINENO of $0"; df -h . "${TMPDIR:-/tmp}" 2>/dev/null; exit $status' ERR
for target in "${targets[@]}"; do
  kept=Tests/Fuzz/corpus/$target
  [ -d "$kept" ] || { echo "fuzz: no target $target: $kept is missing (SwitchboardFuzz --list names the targets)"; exit 1; }
  # libFuzzer writes what it finds to the first folder and only reads the others: with
  # FUZZ_KEEP=0 the kept corpus is a read-only seed and the new inputs go to a scratch
  # folder that is thrown away.
  folders=("$kept")
  if [ "$keep" = 0 ]; then
    found=$(mktemp -d)
    folders=("$found" "$kept")
  fi
  log=$(mktemp)
  export SWITCHBOARD_FUZZ_TARGET=$target
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="Tests/Fuzz/crashes/$target-" "${folders[@]}" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz: $target FAILED; the input is under Tests/Fuzz/crashes/ (replay: SWITCHBOARD_FUZZ_TARGET=$target $fuzzer <file>)"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  if [ -z "$coverage" ]; then
    tail -20 "$log"
    echo "fuzz: $target: libFuzzer saw no coverage: $fuzzer is not instrumented (build it with make fuzz-build)"
    exit 1
  fi
  total_runs=$((total_runs + ${runs:-0}))
  rm -f "$log"
  if [ "$keep" = 0 ]; then
    summary="$(ls "$kept" | wc -l) kept inputs, $(ls "$found" | wc -l) new"
    rm -rf "$found"
  else
    # Keep the corpus small: only the inputs that each add coverage.
    minimised=$(mktemp -d)
    if "$fuzzer" -merge=1 "$minimised" "$kept" >/dev/null 2>&1; then
      rm -f "$kept"/*
      cp "$minimised"/. "$kept"/ -R
    fi
    rm -rf "$minimised"
    summary="corpus $(ls "$kept" | wc -l) inputs"
  fi
  printf 'fuzz: %-14s %9s executions in %ss, coverage %s, %s, no crash\n' \
    "$target" "${runs:-0}" "$seconds" "$coverage" "$summary"
done
echo "fuzz: ${#targets[@]} targets, $total_runs executions, no crash"

#!/usr/bin/env bash
# run-smoke.sh — builds every libFuzzer target (tests/fuzz/fuzz_*.c) into
# build-fuzz/ with clang and -fsanitize=fuzzer,address,undefined, replays
# the known reproducers (tests/fuzz/crashes/<target>-*), then fuzzes each
# target for a few seconds starting from its seeds (tests/fuzz/seeds/<target>).
# Exits 1 when any target crashes, trips a sanitizer, an assertion, a leak,
# a timeout or the memory limit; 0 otherwise.  CI runs it (scripts/test.sh).
#
#   ZHS_FUZZ_SECONDS    seconds per target (default 5)
#   ZHS_FUZZ_TARGETS    targets to run (default: all), e.g. "query index"
#   ZHS_FUZZ_BUILD_DIR  build directory (default build-fuzz)
#
# A crashing input is saved as build-fuzz/artifacts/<target>-crash-<sha1>;
# replay it with build-fuzz/fuzz/fuzz_<target> FILE.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${ZHS_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECONDS_EACH=${ZHS_FUZZ_SECONDS:-5}
cd "$ROOT"

command -v clang >/dev/null && command -v clang++ >/dev/null ||
  { echo "run-smoke.sh: clang and clang++ are needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

echo "== building fuzz targets in $BUILD"
if ! CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DZHS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD.cmake.log" 2>&1; then
  cat "$BUILD.cmake.log" >&2
  exit 1
fi
rm -f "$BUILD.cmake.log"
if ! cmake --build "$BUILD" --target fuzzers -j"$(nproc)" >"$BUILD/build.log" 2>&1; then
  tail -40 "$BUILD/build.log" >&2
  echo "run-smoke.sh: the fuzz targets do not build" >&2
  exit 1
fi

if [ -n "${ZHS_FUZZ_TARGETS:-}" ]; then
  targets=$ZHS_FUZZ_TARGETS
else
  targets=$(cd tests/fuzz && ls fuzz_*.c | sed -e 's/^fuzz_//' -e 's/\.c$//' | grep -v '^common$')
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ART="$BUILD/artifacts"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/zhs-fuzz-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$ART"

failed=()
for t in $targets; do
  bin="$BUILD/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "FAIL $t: $bin was not built"; failed+=("$t"); continue; }

  # 1. known reproducers: each must now pass (they assert correct behaviour)
  for r in tests/fuzz/crashes/fuzz_"$t"-*; do
    [ -f "$r" ] || continue
    if "$bin" -error_exitcode=1 "$r" >"$WORK/$t.replay.log" 2>&1; then
      echo "ok   $t: reproducer $(basename "$r") passes"
    else
      echo "FAIL $t: reproducer $r still fails:"
      grep -E 'ERROR|runtime error|ASSERTION|SUMMARY|^ +#[0-9]+ .* in (zhs|corpus|LLVMFuzzer)' "$WORK/$t.replay.log" | head -20 | sed 's/^/     /'
      failed+=("$t:$(basename "$r")")
    fi
  done

  # 2. a short run from the seeds (into a scratch corpus: seeds stay as they are)
  mkdir -p "$WORK/corpus-$t"
  seeds=tests/fuzz/seeds/$t
  [ -d "$seeds" ] || seeds=
  log="$WORK/$t.log"
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 -artifact_prefix="$ART/$t-" "$WORK/corpus-$t" $seeds >"$log" 2>&1
  rc=$?
  stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 |
    sed -E 's/^#([0-9]+)[[:space:]]+DONE[[:space:]]+(cov: [0-9]+ ft: [0-9]+).*/\1 runs, \2/')
  if [ $rc -eq 0 ]; then
    echo "ok   $t: ${stats:-?} in ${SECONDS_EACH}s"
  else
    echo "FAIL $t: exit $rc"
    grep -E 'ERROR|runtime error|ASSERTION|SUMMARY|Test unit written|^ +#[0-9]+ .* in (zhs|corpus|LLVMFuzzer)' "$log" | head -20 | sed 's/^/     /'
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz smoke: all targets ok"

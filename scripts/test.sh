#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build,
# run the whole test suite under ctest, then again built with
# AddressSanitizer + UndefinedBehaviorSanitizer, the threaded parts under
# ThreadSanitizer, then a short run of every fuzz target.
set -euo pipefail
ZHS_PACKAGES_EXTRA="clang:/usr/bin/clang libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ZHS_ROOT"

echo "== tests (release build)"
ctest --test-dir build --output-on-failure -j2

if [ "${ZHS_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== tests (ASan + UBSan build)"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DZHS_SANITIZE=ON ${ZHS_CMAKE_ARGS:-} >/dev/null
  cmake --build build-asan -j"$(nproc)" >/dev/null
  # new_delete_type_mismatch=0: libxapian 1.4.22's own Database::check
  # frees an object by the wrong size (inside libxapian.so, not our shim;
  # seen on a fresh index of the sample corpus), which would stop every
  # 'zhs check' of a Xapian index
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:new_delete_type_mismatch=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j2 -E "${ZHS_ASAN_EXCLUDE:-^$}"
fi

if [ "${ZHS_SKIP_TSAN:-0}" != 1 ]; then
  # An index handle is shared by reader threads and an index is built by
  # several: the threaded tests (readers; the indexing pipeline with a slow
  # sink) and a threaded build, under ThreadSanitizer (a race is a report
  # and exit code 66)
  echo "== threads (ThreadSanitizer build)"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZHS_TSAN=ON -DZHS_WITH_XAPIAN=OFF >/dev/null
  cmake --build build-tsan -j"$(nproc)" --target test_threads test_pipeline zhs_cli >/dev/null
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build-tsan/tests/test_threads
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build-tsan/tests/test_pipeline
  tsan_idx=$(mktemp -d "${TMPDIR:-/tmp}/zhs-tsan.XXXXXX")
  TSAN_OPTIONS=halt_on_error=1 build-tsan/zhs index -q --threads 3 --ram 1 -o "$tsan_idx/i" corpus/sample
  TSAN_OPTIONS=halt_on_error=1 build-tsan/zhs search -k 3 "$tsan_idx/i" 个人信息 >/dev/null
  rm -rf "$tsan_idx"
fi

if [ -x tests/fuzz/run-smoke.sh ] && [ "${ZHS_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz smoke runs"
  tests/fuzz/run-smoke.sh
fi

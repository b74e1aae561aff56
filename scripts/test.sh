#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build,
# run the whole test suite under ctest, then again built with
# AddressSanitizer + UndefinedBehaviorSanitizer, then a short run of every
# fuzz target.
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

if [ -x tests/fuzz/run-smoke.sh ] && [ "${ZHS_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz smoke runs"
  tests/fuzz/run-smoke.sh
fi

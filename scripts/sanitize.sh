#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (gcc): builds
# into build-asan/ and runs ctest there. Any report fails the run, also one from a CLI
# process a test starts (reports are logged to build-asan/sanitizer-reports/).
# LibTorch itself is not instrumented; leaks that LibTorch's own start-up holds until exit
# are suppressed by library name in scripts/lsan.supp (nothing of robusthide's).
#
#   scripts/sanitize.sh [ctest args...]         # e.g. -R Reliability
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${ASAN_BUILD_DIR:-build-asan}
if [ ! -f "$build/build.ninja" ]; then
  # -O1 -g1: several times faster to build than -O2 -g here (LibTorch's headers), and
  # reports still name functions and lines.
  flags="-O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DROBUSTHIDE_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
fi
ninja -C "$build" -j "${JOBS:-$(nproc)}"
# Every report, also those of the CLI processes the tests start (whose output the tests
# capture), goes to a file in $reports as well: the run fails if any appears.
reports=$PWD/$build/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:allocator_may_return_null=1:log_path=$reports/asan"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
cd "$build"
status=0
ctest --output-on-failure -j "${JOBS:-$(nproc)}" "$@" || status=$?
if [ -n "$(ls -A "$reports")" ]; then
  echo "sanitize: reports in $reports:" >&2
  ls "$reports" >&2
  head -n 30 "$reports"/* >&2
  status=1
else
  echo "sanitize: no sanitizer report"
fi
exit $status

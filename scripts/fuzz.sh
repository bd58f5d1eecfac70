#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) into build-fuzz/ and runs
# each for SECONDS from its seed corpus (fuzz/corpus/TARGET) plus the inputs earlier runs
# found (build-fuzz/corpus/TARGET). A crash, sanitizer report, leak, timeout or an input
# that needs more than RSS_MB of memory stops that target, leaves the input in
# build-fuzz/artifacts/ and makes the script fail.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     # default 60 s each, every target
# Environment: RSS_MB (default 2560), JOBS (build jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode_image_fuzzer pnm_fuzzer spec_fuzzer payload_fuzzer model_fuzzer)
build=${FUZZ_BUILD_DIR:-build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S fuzz -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
fi
ninja -C "$build" -j "${JOBS:-$(nproc)}" "${targets[@]}"

mkdir -p "$build/artifacts"
status=0
summary=()
for t in "${targets[@]}"; do
  name=${t%_fuzzer}
  mkdir -p "$build/corpus/$name"
  log="$build/$t.log"
  max_len=65536
  [ "$t" = model_fuzzer ] && max_len=131072  # the seed checkpoint is 84 KB
  echo "== $t: ${seconds} s"
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/$t" -max_total_time="$seconds" -rss_limit_mb="${RSS_MB:-2560}" -timeout=30 \
      -max_len=$max_len -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" \
      "$build/corpus/$name" "fuzz/corpus/$name" > "$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  if [ $rc -ne 0 ]; then
    status=1
    summary+=("$t: FAILED after $runs executions (exit $rc); see $log and $build/artifacts/")
    tail -n 40 "$log"
  else
    summary+=("$t: $runs executions in ${seconds} s, no finding")
  fi
done
echo "== fuzzing summary"
printf '%s\n' "${summary[@]}"
exit $status

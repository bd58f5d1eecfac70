#!/usr/bin/env bash
# One call on a lent GPU machine: build robusthide's CLI against that machine's LibTorch
# (the pip wheel's) with the codec libraries carried in .gpu-deps/, then run a job, and
# leave logs and results in $OUT. docs/gpu.md.
#
#   scripts/gpu/run.sh [--smoke] [--build-only] --job FILE     # a job script (jobs/*.sh)
#   scripts/gpu/run.sh [--smoke] -- ROBUSTHIDE ARGS...         # one robusthide command
#
#   --smoke       first train 3 steps on the job's device (fails fast on CUDA problems)
# Environment:
#   OUT                    results folder (default: out/gpu-results)
#   ROBUSTHIDE_DEVICE      device given to jobs and the smoke test (default: cuda)
#   ROBUSTHIDE_TORCH_DIR   folder of TorchConfig.cmake (default: from python3's torch);
#                          e.g. /usr/lib/x86_64-linux-gnu/cmake/Torch to try it on Debian
#   ROBUSTHIDE_CXX_STANDARD  C++ standard (default 20 with a pip LibTorch, else 17)
#   JOBS                   build jobs (default: cores)
# Jobs are bash scripts sourced after the build, with: rh ARGS (the built robusthide,
# logged), $DATA (.gpu-data), $RUNS (out/gpu-runs: each folder there becomes
# $OUT/<name>.tar.gz), $DEVICE.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
OUT=${OUT:-$repo/out/gpu-results}
mkdir -p "$OUT"
log=$OUT/run.log
exec > >(tee -a "$log") 2>&1
start=$(date +%s)
stage() { echo; echo "==== [$(( $(date +%s) - start )) s] $*"; }
die() { echo "run.sh: FAILED: $*" >&2; exit 1; }

smoke=0; build_only=0; job=""; args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --build-only) build_only=1 ;;
    --job) job=${2:?--job needs a file}; shift ;;
    --) shift; args=("$@"); break ;;
    *) die "unknown argument '$1' (usage: run.sh [--smoke] [--build-only] --job FILE | -- ARGS)" ;;
  esac
  shift
done
[ -n "$job" ] && [ ${#args[@]} -gt 0 ] && die "give --job FILE or -- ARGS, not both"
[ -z "$job" ] || [ -f "$job" ] || die "no job file '$job'"
DEVICE=${ROBUSTHIDE_DEVICE:-cuda}

stage "machine"
uname -a
(. /etc/os-release && echo "$PRETTY_NAME") || true
nproc
if command -v nvidia-smi >/dev/null; then nvidia-smi || true; else echo "no nvidia-smi"; fi

stage "carried dependencies"
deps=$repo/.gpu-deps/root
libdir=$deps/usr/lib/x86_64-linux-gnu
[ -d "$libdir" ] || die ".gpu-deps/ is missing: run scripts/gpu/make-deps.sh on Debian 12 and carry .gpu-deps"
cat "$repo/.gpu-deps/README" 2>/dev/null || true
export PKG_CONFIG_LIBDIR=$libdir/pkgconfig:$deps/usr/share/pkgconfig
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
pkg_config=$(command -v pkg-config || true)
if [ -z "$pkg_config" ]; then
  pkg_config=$deps/usr/bin/pkgconf
  echo "no pkg-config here: using the carried $pkg_config"
fi
"$pkg_config" --modversion libavcodec libturbojpeg libopenjp2 libwebp libpng ||
  die "pkg-config cannot read the carried .pc files"

stage "LibTorch"
torch_libs=""
if [ -n "${ROBUSTHIDE_TORCH_DIR:-}" ]; then
  torch_dir=$ROBUSTHIDE_TORCH_DIR
  std=${ROBUSTHIDE_CXX_STANDARD:-17}
else
  py=$(command -v python3 || true)
  [ -n "$py" ] || die "no python3 (set ROBUSTHIDE_TORCH_DIR)"
  "$py" -c 'import torch' || die "python3 ($py) cannot import torch (set ROBUSTHIDE_TORCH_DIR)"
  "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(), "cxx11abi", torch._C._GLIBCXX_USE_CXX11_ABI)'
  torch_dir=$("$py" -c 'import torch, os; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))')
  torch_root=$("$py" -c 'import torch, os; print(os.path.dirname(torch.__file__))')
  # libtorch_cuda.so needs the nvidia-* wheels' libraries, at link time (-rpath-link) too.
  torch_libs=$torch_root/lib
  site=$(dirname "$torch_root")
  if [ -d "$site/nvidia" ]; then
    for d in $(find "$site/nvidia" -maxdepth 3 -type d -name lib | sort); do torch_libs=$torch_libs:$d; done
  fi
  export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$torch_libs
  std=${ROBUSTHIDE_CXX_STANDARD:-20}
fi
[ -f "$torch_dir/TorchConfig.cmake" ] || die "no TorchConfig.cmake in '$torch_dir'"
echo "Torch_DIR $torch_dir, C++$std"

stage "configure"
build=${ROBUSTHIDE_BUILD_DIR:-$repo/build-gpu}
cuda_flags=()
nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
if [ -n "$nvcc" ]; then
  cuda_flags=(-DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0)
  export PATH=$(dirname "$nvcc"):$PATH
  echo "nvcc: $nvcc"
fi
link_flags=""
for d in ${torch_libs//:/ }; do link_flags="$link_flags -Wl,-rpath-link,$d"; done
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DROBUSTHIDE_BUILD_TESTS=OFF -DROBUSTHIDE_BUILD_BENCH=OFF \
  -DCMAKE_CXX_STANDARD="$std" -DTorch_DIR="$torch_dir" \
  -DCMAKE_PREFIX_PATH="$deps/usr" -DPKG_CONFIG_EXECUTABLE="$pkg_config" \
  -DCMAKE_EXE_LINKER_FLAGS="$link_flags" -DCMAKE_SHARED_LINKER_FLAGS="$link_flags" \
  "${cuda_flags[@]}" > "$OUT/cmake.log" 2>&1 ||
  { tail -40 "$OUT/cmake.log"; die "cmake configure failed (whole log: cmake.log)"; }
grep -iE "warning|torch|cuda" "$OUT/cmake.log" | head -20 || true

stage "build"
ninja -C "$build" -j "${JOBS:-$(nproc)}" robusthide_cli > "$OUT/build.log" 2>&1 ||
  { grep -B2 -A12 -m3 "error" "$OUT/build.log" | head -80; die "build failed (whole log: build.log)"; }
tail -2 "$OUT/build.log"
bin=$build/robusthide
echo "carried libraries used:"; ldd "$bin" | grep -E "gpu-deps|not found" || true
ldd "$bin" | grep -q "not found" && die "unresolved libraries (ldd above)"
rm -f "$OUT/build.log"  # kept only on failure; the tail is in run.log
"$bin" --version || true

rh() {
  echo "+ robusthide $*"
  "$bin" "$@"
}
RUNS=$repo/out/gpu-runs
DATA=$repo/.gpu-data
mkdir -p "$RUNS"

# What comes back from the machine: at most 8 files of $OUT, 16 MiB each, 64 MiB in all
# (/work/.library/device/README.md). run.log and cmake.log take two; the run folders go
# into runs-N.tar.gz without their checkpoints (models, logs, reports; up to 15 MiB
# each), then their checkpoint.pt files into checkpoints-N.tar.gz while files and
# bytes remain. A checkpoint that does not fit is named in run.log, not sent.
pack() {
  stage "packing results into $OUT"
  local max=$((15 << 20)) files_left=6 bytes_left=$((56 << 20))
  local group=() size=0 n=0 d s
  flush() {  # flush PREFIX TAR-ARGS...: one archive of the runs in group
    local prefix=$1; shift
    [ ${#group[@]} -gt 0 ] || return 0
    n=$((n + 1))
    tar -C "$RUNS" -czf "$OUT/$prefix-$n.tar.gz" "$@" "${group[@]}"
    ls -la "$OUT/$prefix-$n.tar.gz"
    files_left=$((files_left - 1))
    bytes_left=$((bytes_left - $(stat -c %s "$OUT/$prefix-$n.tar.gz")))
    group=(); size=0
  }
  for d in "$RUNS"/*/; do
    [ -d "$d" ] || continue
    s=$(du -sb --exclude=checkpoint.pt "$d" | cut -f1)
    [ $((size + s)) -le $max ] || flush runs --exclude=checkpoint.pt
    group+=("$(basename "$d")"); size=$((size + s))
  done
  flush runs --exclude=checkpoint.pt
  n=0
  for d in "$RUNS"/*/; do
    [ -f "$d/checkpoint.pt" ] || continue
    s=$(stat -c %s "$d/checkpoint.pt")
    if [ $((size + s)) -gt $max ]; then flush checkpoints; fi
    if [ $files_left -le 0 ] || [ $((size + s)) -gt $bytes_left ]; then
      echo "run.sh: not sent back (no room): $(basename "$d")/checkpoint.pt"; continue
    fi
    group+=("$(basename "$d")/checkpoint.pt"); size=$((size + s))
  done
  flush checkpoints
}
[ $build_only = 1 ] && { stage "built (--build-only)"; exit 0; }
trap pack EXIT

if [ $smoke = 1 ]; then
  stage "smoke test on $DEVICE"
  [ -d "$DATA/train" ] || die ".gpu-data/ is missing: run scripts/gpu/make-data.sh and carry .gpu-data"
  rm -rf "$build/smoke"
  rh train --train "$DATA/train" --val "$DATA/val" --max-train-images 64 --val-images 32 \
    --steps 3 --attack 'split(jpeg:50,identity)' --device "$DEVICE" --progress off \
    --out "$build/smoke" || die "smoke training on $DEVICE failed"
  rh evaluate --model "$build/smoke/model.pt" --data "$DATA/val" --max-images 32 \
    --attack jpeg:50 --device "$DEVICE" -q || die "smoke evaluation on $DEVICE failed"
fi

if [ -n "$job" ]; then
  stage "job $job (device $DEVICE)"
  # shellcheck disable=SC1090
  source "$job"
elif [ ${#args[@]} -gt 0 ]; then
  stage "robusthide ${args[*]}"
  rh "${args[@]}"
fi
stage "done"

#!/usr/bin/env bash
# Installs the Debian 12 packages robusthide needs to build, test and run.
# Idempotent: when everything is already installed it returns at once without apt.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # libraries
  libtorch-dev libturbojpeg0-dev libopenjp2-7-dev libwebp-dev libpng-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libxvidcore-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev liblcms2-dev
  # reference tools the tests compare against
  libjpeg-turbo-progs webp libopenjp2-tools
  # figures of docs/results.md (scripts/experiments/*.py)
  python3-matplotlib
  # fuzzing (scripts/fuzz.sh: clang's libFuzzer and sanitizer runtimes, symbolized reports)
  clang libclang-rt-14-dev llvm
  # the code style (.clang-format; scripts/format.sh, the `format` test)
  clang-format
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

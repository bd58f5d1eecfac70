#!/usr/bin/env bash
# Sets up everything (Debian packages, build) and runs the main job on the shipped
# default model and a sample photo: embed a text message, recompress with real JPEG
# Q50, extract it and print message, PSNR and BER (scripts/demo-run.sh). Results go
# to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/demo-run.sh --check
scripts/install-deps.sh
scripts/build.sh
exec scripts/demo-run.sh build/robusthide out/demo

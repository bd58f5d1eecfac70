#!/usr/bin/env bash
# Trains the shipped default model (models/default.pt; docs/default-model.md) on the CPU.
# Resumable: run it again with --resume after an interruption (or to continue a finished
# run after raising STEPS). Usage: scripts/train-default.sh OUT_DIR [--resume]
# Environment: MINUTES (wall-clock budget of this call, default 130), STEPS (default 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/train-default.sh OUT_DIR [--resume]}"
shift
data="${ROBUSTHIDE_DATA:-../shared/data}"
exec build/robusthide train \
  --architecture fast --bits 64 --target-psnr 36 \
  --train "$data/train" --val "$data/val" --val-images 96 \
  --attack "split(jpeg:40,jpeg:50,jpeg:50,jpeg:60,jpeg:75,jpeg:90,webp:50,jpeg2000:250)" \
  --adversarial-weight 0 --image-weight 0 \
  --warmup-strength 10 --warmup-steps 600 \
  --steps "${STEPS:-8000}" --checkpoint-every 100 --max-minutes "${MINUTES:-130}" \
  --progress on --out "$out" "$@"

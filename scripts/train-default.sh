#!/usr/bin/env bash
# Trains the shipped default model (models/default.pt; docs/default-model.md) on the CPU:
# the perceptually shaped model of issue 11, fine-tuned from the first default model
# (unshaped, commit b3cdc90's models/default.pt, taken from git history).
# Resumable: run it again with --resume after an interruption (or to continue a finished
# run after raising STEPS). Usage: scripts/train-default.sh OUT_DIR [--resume]
# Environment: MINUTES (wall-clock budget of this call, default 110), STEPS (default 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/train-default.sh OUT_DIR [--resume]}"
shift
data="${ROBUSTHIDE_DATA:-../shared/data}"
init="$out.init-v1.pt"
if [[ ! -f "$init" ]]; then
  git show b3cdc90:models/default.pt > "$init.tmp" && mv "$init.tmp" "$init"
fi
exec build/robusthide train \
  --architecture fast --bits 64 --target-psnr 36 \
  --chroma 0 --flat 0.25 --texture 8 --luminance-adaptation true \
  --init "$init" \
  --train "$data/train" --val "$data/val" --val-images 96 \
  --attack "split(jpeg:25,jpeg:40,jpeg:50,jpeg:60,jpeg:75,jpeg:90,webp:50,jpeg2000:250)" \
  --adversarial-weight 0 --image-weight 0 \
  --warmup-strength 10 --warmup-steps 600 \
  --steps "${STEPS:-8000}" --checkpoint-every 100 --max-minutes "${MINUTES:-110}" \
  --progress off --out "$out" "$@"

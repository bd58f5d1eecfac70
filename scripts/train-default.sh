#!/usr/bin/env bash
# Trains the shipped default model (models/default.pt; docs/default-model.md) on the CPU:
# the perceptually shaped model of issue 11, in three phases, all fine-tuning, and from it
# the trim-tolerant model (models/trim.pt; docs/trim-model.md) in a fourth:
#   1. OUT/phase1: from the first default model (unshaped; commit b3cdc90's
#      models/default.pt, taken from git history), luminance-only residual at 36 dB with
#      the texture mask (flat 0.25) and luminance adaptation, warm-up 10x -> 1x over 600
#      steps, PHASE1_STEPS steps (default 2000): the decoder moves from reading the old
#      chroma mark to the luminance one;
#   2. OUT/phase2: from phase 1's model, quieter (37 dB, flat 0.25 -> 0.15), no warm-up,
#      lr 5e-4, PHASE2_STEPS steps (default 600);
#   3. OUT/phase3: from phase 2's model, luminance adaptation off and texture 16 (less
#      residual in dark, lightly noisy backgrounds), lr 5e-4, PHASE3_STEPS (default 400);
#   4. OUT/phase4 (models/trim.pt): from phase 3's model (models/default.pt), with small
#      crops among the attacks (a crop of 93-98% of each side resized back, some followed
#      by JPEG: trimmed borders and shifts), lr 5e-4, PHASE4_STEPS (default 6500).
# Resumable: run it again with --resume after an interruption; a finished phase is
# skipped. Usage: scripts/train-default.sh OUT [--resume]
# Environment: MINUTES (wall-clock budget of each call of a phase, default 110).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/train-default.sh OUT [--resume]}"
shift
data="${ROBUSTHIDE_DATA:-../shared/data}"
mkdir -p "$out"
init="$out/init-v1.pt"
if [[ ! -f "$init" ]]; then
  git show b3cdc90:models/default.pt > "$init.tmp" && mv "$init.tmp" "$init"
fi
codecs="split(jpeg:25,jpeg:40,jpeg:50,jpeg:60,jpeg:75,jpeg:90,webp:50,jpeg2000:250)"
crops="split(jpeg:25,jpeg:50,jpeg:75,webp:50,jpeg2000:250,chain(crop:0.98,resize:1.0204),\
chain(crop:0.96,resize:1.0417,jpeg:50),chain(crop:0.93,resize:1.0753,jpeg:75))"
common=(--architecture fast --bits 64 --chroma 0
        --train "$data/train" --val "$data/val" --val-images 96
        --adversarial-weight 0 --image-weight 0 --checkpoint-every 100
        --max-minutes "${MINUTES:-110}" --progress off)
if [[ ! -f "$out/phase1/model.pt" ]]; then
  build/robusthide train "${common[@]}" --attack "$codecs" --target-psnr 36 --flat 0.25 --texture 8 \
    --luminance-adaptation true --init "$init" \
    --warmup-strength 10 --warmup-steps 600 --steps "${PHASE1_STEPS:-2000}" \
    --out "$out/phase1" "$@"
fi
[[ -f "$out/phase1/model.pt" ]] || exit 0  # stopped by its time budget: run again with --resume
# Phases 2-4: each resumes its own run when a checkpoint is there.
phase() {  # phase NAME INIT ATTACK ARGS...
  local name="$1" from="$2" attack="$3"
  shift 3
  [[ -f "$out/$name/model.pt" ]] && return 0
  local resume=()
  [[ -f "$out/$name/checkpoint.pt" ]] && resume=(--resume)
  build/robusthide train "${common[@]}" --attack "$attack" --init "$from" --lr 5e-4 "$@" --out "$out/$name" "${resume[@]}"
}
phase phase2 "$out/phase1/model.pt" "$codecs" --target-psnr 37 --flat 0.15 --texture 8 \
  --luminance-adaptation true --steps "${PHASE2_STEPS:-600}"
[[ -f "$out/phase2/model.pt" ]] || exit 0
phase phase3 "$out/phase2/model.pt" "$codecs" --target-psnr 37 --flat 0.15 --texture 16 \
  --luminance-adaptation false --steps "${PHASE3_STEPS:-400}"
[[ -f "$out/phase3/model.pt" ]] || exit 0
phase phase4 "$out/phase3/model.pt" "$crops" --target-psnr 37 --flat 0.15 --texture 16 \
  --luminance-adaptation false --steps "${PHASE4_STEPS:-6500}"

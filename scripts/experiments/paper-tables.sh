#!/usr/bin/env bash
# The paper's Tables 1-3 at the paper's protocol (30 bits, 128x128) with models trained
# to an equal budget at equal imperceptibility (the fast architecture's fixed PSNR, 36 dB):
# every column uses the same architecture, data, steps, batch, seed and learning rate;
# only the attack differs. docs/results.md, "The paper's Tables 1-3".
#
#   scripts/experiments/paper-tables.sh [OUT]          # default OUT: out/paper-tables
#
# Resumable and meant for the background: the columns train one after another (all
# cores), each continuing from its checkpoint; a column whose run reached STEPS is
# skipped. MINUTES bounds the wall time of one call (default 150). When every column is
# trained, each is evaluated (jpeg, jpeg2000 and webp tables, CSV) into OUT/NAME.eval.csv.
# Environment: STEPS (default 4000), MINUTES, ONLY (space-separated column names), SAVE=1
# (copy the checkpoints to models/checkpoints/paper-tables/ for the next session).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/out/paper-tables}
bin=$repo/build/robusthide
data=${ROBUSTHIDE_DATA:-$repo/../shared/data}
steps=${STEPS:-4000}
deadline=$(( $(date +%s) + ${MINUTES:-150} * 60 ))
[ -x "$bin" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
mkdir -p "$out"

# Identical for every column. Batch 30 = five slices of 6 for the mixed-quality column.
# Unshaped (--no-shaping): the paper's residual, not the perceptual shaping of issue 11.
common=(--architecture fast --bits 30 --image-size 128 --target-psnr 36 --no-shaping
        --train "$data/train" --val "$data/val" --val-images 100
        --batch-size 30 --lr 1e-3 --seed 1 --adversarial-weight 0 --image-weight 0
        --warmup-strength 10 --warmup-steps 600
        --steps "$steps" --checkpoint-every 100 --progress off)

# Columns in the order they are trained (most informative first).
names=(real-jpeg jpeg-mask diffjpeg jpeg-drop drop-mask jpeg2000-500 webp-50 jpeg-j2k-webp)
declare -A attacks=(
  [real-jpeg]='split(jpeg:10,jpeg:25,jpeg:50,jpeg:75,jpeg:90)'
  [jpeg-mask]='jpeg-mask'
  [diffjpeg]='diffjpeg:50'
  [jpeg-drop]='jpeg-drop'
  [drop-mask]='choice(jpeg-drop,jpeg-mask)'
  [jpeg2000-500]='jpeg2000:500'
  [webp-50]='webp:50'
  [jpeg-j2k-webp]='split(jpeg:50,jpeg2000:500,webp:50)'
)
[ -n "${ONLY:-}" ] && read -r -a names <<< "$ONLY"

# Step of the last row of a run's log.csv (0 when there is none).
last_step() { [ -f "$1/log.csv" ] && tail -n 1 "$1/log.csv" | cut -d, -f2 | grep -E '^[0-9]+$' || echo 0; }

# Checkpoints committed at the end of a session (models/checkpoints/paper-tables/NAME/)
# seed an output folder that lost them; `SAVE=1 scripts/experiments/paper-tables.sh` copies
# the current ones there instead of training.
saved=$repo/models/checkpoints/paper-tables
if [ "${SAVE:-0}" = 1 ]; then
  for name in "${names[@]}"; do
    [ -f "$out/$name/checkpoint.pt" ] || continue
    mkdir -p "$saved/$name"
    cp "$out/$name/checkpoint.pt" "$out/$name/log.csv" "$saved/$name/"
  done
  echo "paper-tables: checkpoints copied to $saved"
  exit 0
fi

for name in "${names[@]}"; do
  dir=$out/$name
  if [ ! -f "$dir/checkpoint.pt" ] && [ -f "$saved/$name/checkpoint.pt" ]; then
    mkdir -p "$dir"
    cp "$saved/$name/checkpoint.pt" "$saved/$name/log.csv" "$dir/"
  fi
  [ "$(last_step "$dir")" = "$steps" ] && continue
  left=$(( (deadline - $(date +%s)) / 60 ))
  [ "$left" -ge 2 ] || { echo "paper-tables: time budget spent; run again to continue"; exit 0; }
  resume=()
  [ -f "$dir/checkpoint.pt" ] && resume=(--resume)
  echo "== $name (${attacks[$name]}), up to $left min"
  "$bin" train --out "$dir" "${resume[@]}" "${common[@]}" --attack "${attacks[$name]}" \
    --max-minutes "$left" >> "$out/$name.train.txt" 2>&1
done

for name in "${names[@]}"; do
  [ "$(last_step "$out/$name")" = "$steps" ] || { echo "paper-tables: $name not finished"; exit 0; }
done
for name in "${names[@]}"; do
  [ -f "$out/$name.eval.csv" ] && continue
  "$bin" evaluate --model "$out/$name/model.pt" --data "$data/val" --attack identity \
    --table jpeg --table jpeg2000 --table webp --format csv --output "$out/$name.eval.csv" -q
done
echo "paper-tables: all columns trained and evaluated in $out"

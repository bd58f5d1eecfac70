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
# (copy the checkpoints to models/checkpoints/<OUT's name>/ for the next session), SEED
# (default 1: the tables' seed; 2 for the second-seed runs), ROBUSTHIDE_DATA (a folder with
# train/ and val/, default ../shared/data; .gpu-data for the GPU protocol's native-scale
# windows, scripts/gpu/make-data.sh), VAL_IMAGES and VAL_EVERY (paper-tables-columns.sh).
#   e.g. the second seeds of the GPU protocol, here:
#   ROBUSTHIDE_DATA=.gpu-data SEED=2 VAL_IMAGES=60 VAL_EVERY=500 ONLY="diffjpeg jpeg-mask" \
#     scripts/experiments/paper-tables.sh out/gpu-pt2-seed2
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/out/paper-tables}
bin=$repo/build/robusthide
data=${ROBUSTHIDE_DATA:-$repo/../shared/data}
deadline=$(( $(date +%s) + ${MINUTES:-150} * 60 ))
[ -x "$bin" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
mkdir -p "$out"

# shellcheck source=paper-tables-columns.sh
. "$repo/scripts/experiments/paper-tables-columns.sh"
names=("${paper_columns[@]}")
[ -n "${ONLY:-}" ] && read -r -a names <<< "$ONLY"

# Checkpoints committed at the end of a session (models/checkpoints/<OUT's name>/NAME/)
# seed an output folder that lost them; `SAVE=1 scripts/experiments/paper-tables.sh` copies
# the current ones there instead of training.
saved=$repo/models/checkpoints/$(basename "$out")
seed=${SEED:-$paper_seed}
if [ "${SAVE:-0}" = 1 ]; then
  for name in "${names[@]}"; do
    [ -f "$out/$name/checkpoint.pt" ] || continue
    mkdir -p "$saved/$name"
    cp "$out/$name/checkpoint.pt" "$out/$name/log.csv" "$saved/$name/"
    # a finished column's model too, so that a lost OUT can still be evaluated
    if [ "$(paper_last_step "$out/$name")" = "$paper_steps" ] && [ -f "$out/$name/model.pt" ]; then
      cp "$out/$name/model.pt" "$saved/$name/"
    fi
  done
  echo "paper-tables: checkpoints copied to $saved"
  exit 0
fi

for name in "${names[@]}"; do
  dir=$out/$name
  if [ ! -f "$dir/checkpoint.pt" ] && [ -f "$saved/$name/checkpoint.pt" ]; then
    mkdir -p "$dir"
    cp "$saved/$name/checkpoint.pt" "$saved/$name/log.csv" "$dir/"
    if [ -f "$saved/$name/model.pt" ]; then cp "$saved/$name/model.pt" "$dir/"; fi
  fi
  [ "$(paper_last_step "$dir")" = "$paper_steps" ] && continue
  left=$(( (deadline - $(date +%s)) / 60 ))
  [ "$left" -ge 2 ] || { echo "paper-tables: time budget spent; run again to continue"; exit 0; }
  resume=()
  [ -f "$dir/checkpoint.pt" ] && resume=(--resume)
  echo "== $name (${paper_attacks[$name]}), up to $left min"
  "$bin" train --out "$dir" "${resume[@]}" "${paper_common[@]}" --seed "$seed" \
    --train "$data/train" --val "$data/val" --attack "${paper_attacks[$name]}" \
    --max-minutes "$left" >> "$out/$name.train.txt" 2>&1
done

for name in "${names[@]}"; do
  [ "$(paper_last_step "$out/$name")" = "$paper_steps" ] || { echo "paper-tables: $name not finished"; exit 0; }
done
for name in "${names[@]}"; do
  [ -f "$out/$name.eval.csv" ] && continue
  "$bin" evaluate --model "$out/$name/model.pt" --data "$data/val" --attack identity \
    --table jpeg --table jpeg2000 --table webp --format csv --output "$out/$name.eval.csv" -q
done
echo "paper-tables: all columns trained and evaluated in $out"

#!/usr/bin/env bash
# The paper's Table 1, reduced to fit a 2-core CPU (docs/results.md): the HiDDeN
# architecture trained with JPEG-Mask, JPEG-Drop, differentiable JPEG (Shin & Song) and
# real JPEG Q50 through the straight-through layer, with identical reduced settings,
# then each evaluated on ../shared/data/val at JPEG Q 10/25/50/75/90.
#
#   scripts/experiments/table1-reduced.sh [OUT]      # default OUT: out/table1
#
# The four runs train at the same time, one thread each. Re-running the script resumes
# unfinished runs from their checkpoints (a killed session loses at most 250 steps) and
# skips finished ones. Settings below; change them for every column or for none.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/out/table1}
bin=$repo/build/robusthide
data=$repo/../shared/data
[ -x "$bin" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
mkdir -p "$out"

common=(--train "$data/train" --val "$data/val" --image-size 64 --bits 30
        --encoder-channels 16 --decoder-channels 16 --discriminator-channels 16
        --batch-size 32 --steps "${STEPS:-1500}" --lr 1e-3 --seed 1
        --val-images 96 --checkpoint-every 250 --threads 1 --load-threads 1 --progress off)
declare -A attacks=([jpeg-mask]=jpeg-mask [jpeg-drop]=jpeg-drop [diffjpeg]=diffjpeg:50
                    [real-jpeg50]=jpeg:50)

train_one() {
  local name=$1 dir=$out/$1
  if [ -f "$dir/checkpoint.pt" ]; then
    OMP_NUM_THREADS=1 "$bin" train --out "$dir" --resume "${common[@]}" --attack "${attacks[$name]}"
  else
    OMP_NUM_THREADS=1 "$bin" train --out "$dir" "${common[@]}" --attack "${attacks[$name]}"
  fi
}

pids=()
for name in "${!attacks[@]}"; do
  ( time train_one "$name" ) >> "$out/$name.train.txt" 2>&1 &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ $status = 0 ] || { echo "a training run failed: see $out/*.train.txt" >&2; exit 1; }

for name in jpeg-drop jpeg-mask diffjpeg real-jpeg50; do
  "$bin" evaluate --model "$out/$name/model.pt" --data "$data/val" --attack identity \
    --table jpeg --format csv --output "$out/$name.eval.csv" -q
  echo "== $name"; cat "$out/$name.eval.csv"
done

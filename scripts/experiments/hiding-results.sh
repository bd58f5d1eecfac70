#!/usr/bin/env bash
# Issue 14's figures for an image-hiding model: the evaluation table on the 100
# validation photos (128x128 centre crops), the container-budget curve (the model at
# strengths 0.67, 1, 1.44 and 2 scale its residual to APD ~3, 4.5, 6.5 and 9), the plot
# and the side-by-side figure. Usage:
#   scripts/experiments/hiding-results.sh MODEL OUT_DIR
set -euo pipefail
model=${1:?model file}
out=${2:?output folder}
mkdir -p "$out"
val=../shared/data/val
py=${PYTHON:-/usr/bin/python3}  # Debian's, with python3-matplotlib (scripts/install-deps.sh)
bin=build/robusthide
"$bin" evaluate -q -m "$model" -d "$val" --table hiding --format json -o "$out/table.json"
"$bin" evaluate -q -m "$model" -d "$val" --table hiding -o "$out/table.txt"
for s in 0.67 1 1.44 2; do
  "$bin" evaluate -q -m "$model" -d "$val" -a identity -a jpeg:50 -a jpeg2000:500 -a webp:50 \
    --strength "$s" --format json -o "$out/strength-$s.json"
done
"$py" scripts/experiments/hiding-curve.py "$out/curve.png" "$out"/strength-*.json
[ -f "${model%/*}/log.csv" ] &&
  "$py" scripts/experiments/hiding-learning-curve.py "$out/learning-curve.png" "${model%/*}/log.csv"
v=$val/bsds500
build/hiding_figure "$model" "$out/figure.png" $v/3096.jpg $v/101085.jpg $v/41069.jpg \
  $v/302008.jpg $v/45096.jpg $v/14037.jpg

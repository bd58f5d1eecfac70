# Job for scripts/gpu/run.sh --job: the paper's Tables 1-3 (issue 15) on a lent GPU.
# Trains every column of scripts/experiments/paper-tables-columns.sh at once, one process
# per column on the one GPU (the codecs share the machine's cores), plus optional second
# seeds and the reference (HiDDeN) versions of Table 1's real-JPEG and JPEG-Mask columns,
# until END_AT; then evaluates every model (jpeg, jpeg2000 and webp tables, CSV) into its
# run folder. Training data: .gpu-data (scripts/gpu/make-data.sh).
# Sourced by run.sh, which defines repo, rh, die, $DATA, $RUNS and $DEVICE.
# Environment:
#   END_AT     epoch seconds at which training stops (default: now + MINUTES, default 5)
#   ONLY       columns to train (default: all)
#   SEED2      columns that also train with seed 2 (run NAME-seed2; default none)
#   REFERENCE  1 (default): also ref-real-jpeg and ref-jpeg-mask, the reference
#              architecture with the paper's loss weights, up to STEPS steps
#   EVAL_SECONDS  time kept for the evaluation (default 75; 0 = no evaluation here:
#              the models are evaluated on the CPU, paper-tables-evaluate.sh)
#   CODEC_THREADS  "NAME=N ..." codec threads per column instead of threads_for's
#   VAL_IMAGES, VAL_EVERY, STEPS  as in paper-tables-columns.sh
# A run folder already in $RUNS (a warm machine, or unpacked and carried) resumes.
# shellcheck source=../../experiments/paper-tables-columns.sh
. "$repo/scripts/experiments/paper-tables-columns.sh"
end_at=${END_AT:-$(( $(date +%s) + ${MINUTES:-5} * 60 ))}
eval_seconds=${EVAL_SECONDS:-75}
read -r -a columns <<< "${ONLY:-${paper_columns[*]}}"
read -r -a seed2 <<< "${SEED2:-}"

# Codec threads per column: JPEG 2000 costs ~11 ms per 128x128 image and core, WebP ~2,
# JPEG ~0.1 (docs/performance.md); differentiable attacks need none.
threads_for() {
  local pair
  for pair in ${CODEC_THREADS:-}; do
    [ "${pair%%=*}" = "$1" ] && { echo "${pair#*=}"; return; }
  done
  case "$1" in
    jpeg2000-500) echo 6 ;;
    jpeg-j2k-webp) echo 3 ;;
    webp-50) echo 2 ;;
    *) echo 1 ;;
  esac
}

# start NAME ATTACK THREADS ARGS...: one training process in the background.
pids=()
start() {
  local name=$1 attack=$2 threads=$3; shift 3
  local dir=$RUNS/$name
  local minutes
  minutes=$(awk -v s=$(( end_at - $(date +%s) )) 'BEGIN { printf "%.2f", s / 60 }')
  local resume=()
  [ -f "$dir/checkpoint.pt" ] && resume=(--resume)
  mkdir -p "$dir"
  echo "+ $name: $attack, $threads codec threads, up to $minutes min ${resume[*]}"
  OMP_NUM_THREADS=1 "$bin" train --out "$dir" "${resume[@]}" --attack "$attack" \
    --train "$DATA/train" --val "$DATA/val" --device "$DEVICE" --threads "$threads" \
    --load-threads 1 --max-minutes "$minutes" "$@" >> "$dir/train.txt" 2>&1 &
  pids+=($!)
}

for name in "${columns[@]}"; do
  attack=${paper_attacks[$name]:?unknown column $name}
  start "$name" "$attack" "$(threads_for "$name")" "${paper_common[@]}" --seed "$paper_seed"
done
for name in "${seed2[@]}"; do
  start "$name-seed2" "${paper_attacks[$name]:?unknown column $name}" \
    "$(threads_for "$name")" "${paper_common[@]}" --seed 2
done
if [ "${REFERENCE:-1}" = 1 ]; then
  # The paper's own networks and loss weights (0.7 image, 1 message, 0.001 adversarial):
  # no fixed PSNR, so their imperceptibility is whatever the loss reaches.
  ref=(--architecture hidden --bits 30 --image-size 128 --batch-size 30 --lr 1e-3
       --val-images 100 --steps "$paper_steps" --checkpoint-every 250 --progress off
       --seed "$paper_seed")
  start ref-real-jpeg "${paper_attacks[real-jpeg]}" 1 "${ref[@]}"
  start ref-jpeg-mask "${paper_attacks[jpeg-mask]}" 1 "${ref[@]}"
fi

failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv || true
for dir in "$RUNS"/*/; do
  echo "== $(basename "$dir"): step $(paper_last_step "$dir")"
  tail -n 3 "$dir/train.txt" 2>/dev/null || true
done
[ "$failed" = 0 ] || echo "paper-tables job: $failed training processes failed (see train.txt)"

# Evaluation: every model at once, bounded so that the call still packs its results.
epids=()
[ "$eval_seconds" -gt 0 ] || return 0
for dir in "$RUNS"/*/; do
  [ -f "$dir/model.pt" ] || continue
  OMP_NUM_THREADS=1 timeout "$eval_seconds" "$bin" evaluate --model "$dir/model.pt" \
    --data "$DATA/val" --attack identity --table jpeg --table jpeg2000 --table webp \
    --device "$DEVICE" --threads 2 --format csv --output "$dir/eval.csv" -q \
    > "$dir/eval.txt" 2>&1 &
  epids+=($!)
done
for pid in "${epids[@]}"; do wait "$pid" || echo "an evaluation failed or ran out of time"; done
for dir in "$RUNS"/*/; do
  [ -f "$dir/eval.csv" ] && { echo "== $(basename "$dir")"; cut -d, -f1,6,7 "$dir/eval.csv"; }
done
true

# Job for scripts/gpu/run.sh --job: image-in-image hiding (issue 14) on a lent GPU.
# Trains several hiding models at once, one process per configuration on the one GPU
# (the codecs of the split attack share the machine's cores), until END_AT. The CPU run
# of the shipped model stopped at 3,494 steps with its revealed APD still falling
# (docs/image-hiding.md); this job asks how far the same design goes with more steps,
# at two more container budgets, and with wider networks. No evaluation on the device:
# the models come back and are evaluated here (scripts/experiments/hiding-results.sh);
# every run's log.csv already has the validation's revealed APD per codec.
# Sourced by run.sh, which defines repo, rh, die, $DATA, $RUNS and $DEVICE.
# Environment:
#   END_AT   epoch seconds at which training stops (default: now + MINUTES, default 5)
#   ONLY     configurations to train (default: all of hiding_configs below)
#   THREADS  codec threads per run (default 3)
#   BATCH    batch size (default 32; the CPU model used 16)
#   VAL_EVERY  validation row every N steps (default 500)
# A run folder already in $RUNS (a warm machine, or unpacked and carried) resumes.
end_at=${END_AT:-$(( $(date +%s) + ${MINUTES:-5} * 60 ))}
declare -A hiding_configs=(
  [apd3]="--target-apd 3"
  [apd4.5]="--target-apd 4.5"
  [apd6.5]="--target-apd 6.5"
  [apd4.5-wide]="--target-apd 4.5 --hider-channels 64 --reveal-channels 64 --reveal-blocks 4"
  [apd4.5-aware]="--target-apd 4.5 --cover-aware true"
)
read -r -a names <<< "${ONLY:-apd3 apd4.5 apd6.5 apd4.5-wide apd4.5-aware}"

pids=()
for name in "${names[@]}"; do
  flags=${hiding_configs[$name]:?unknown hiding configuration $name}
  dir=$RUNS/hiding-$name
  minutes=$(awk -v s=$(( end_at - $(date +%s) )) 'BEGIN { printf "%.2f", s / 60 }')
  resume=()
  [ -f "$dir/checkpoint.pt" ] && resume=(--resume)
  mkdir -p "$dir"
  echo "+ hiding-$name: $flags, up to $minutes min ${resume[*]}"
  # shellcheck disable=SC2086  # flags are words
  OMP_NUM_THREADS=1 "$bin" train-hiding --out "$dir" "${resume[@]}" $flags \
    --train "$DATA/train" --val "$DATA/val" --device "$DEVICE" \
    --threads "${THREADS:-3}" --load-threads 1 --batch-size "${BATCH:-32}" \
    --steps 1000000 --val-every "${VAL_EVERY:-500}" --val-images 100 \
    --checkpoint-every 500 --progress off --max-minutes "$minutes" \
    >> "$dir/train.txt" 2>&1 &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv || true
for dir in "$RUNS"/hiding-*/; do
  echo "== $(basename "$dir")"
  tail -n 2 "$dir/log.csv" 2>/dev/null || true
done
[ "$failed" = 0 ] || echo "hiding job: $failed training processes failed (see train.txt)"
true

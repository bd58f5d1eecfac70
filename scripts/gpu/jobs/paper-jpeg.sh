# Job for scripts/gpu/run.sh --job: issue 5's model (a) -- the reference architecture,
# 30 bits, 128x128, trained through real JPEG split over Q 10/25/50/75/90 -- for at most
# MINUTES minutes of wall time (default 4), then the jpeg, jpeg2000, webp and video
# tables on the carried validation crops (CSV and JSON next to the model).
# Sourced by run.sh, which defines rh, $DATA, $RUNS and $DEVICE.
# To continue an earlier call, unpack its runs-*/checkpoints-*.tar.gz into out/gpu-runs/ here and
# carry out/gpu-runs: the run resumes from its checkpoint.
# Environment: MINUTES, EPOCHS (total length, default 300), BATCH (default 30: split over 5 qualities needs a multiple of 5), AMP=1,
# CHANNELS_LAST=1, EVAL_MAX (evaluation images, default all).
run=$RUNS/paper-jpeg
extra=()
[ -f "$run/checkpoint.pt" ] && extra+=(--resume)
[ "${AMP:-0}" = 1 ] && extra+=(--amp)
[ "${CHANNELS_LAST:-0}" = 1 ] && extra+=(--channels-last)
rh train --train "$DATA/train" --val "$DATA/val" \
  --attack 'split(jpeg:10,jpeg:25,jpeg:50,jpeg:75,jpeg:90)' \
  --architecture hidden --image-size 128 --bits 30 --batch-size "${BATCH:-30}" \
  --epochs "${EPOCHS:-300}" --max-minutes "${MINUTES:-4}" --checkpoint-every 500 \
  --val-images 96 --device "$DEVICE" --progress off --out "$run" "${extra[@]}" ||
  die "training failed"
for table in jpeg jpeg2000 webp video; do
  for format in csv json; do
    rh evaluate --model "$run/model.pt" --data "$DATA/val" --table "$table" \
      --attack identity --max-images "${EVAL_MAX:-0}" --device "$DEVICE" --format "$format" \
      --output "$run/eval-$table.$format" -q || die "evaluation ($table) failed"
  done
  cat "$run/eval-$table.csv"
done

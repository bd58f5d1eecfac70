# The columns of the paper's Tables 1-3 (issue 15) and the settings every column shares.
# Sourced by scripts/experiments/paper-tables.sh (this CPU) and
# scripts/gpu/jobs/paper-tables.sh (a lent GPU); docs/results.md, "The paper's Tables 1-3".
#
# Every column: the fast architecture at a fixed 36 dB, 30 bits, 128x128, unshaped (the
# paper's residual, not issue 11's perceptual shaping), batch 30 (five slices of 6 for the
# mixed-quality column), Adam 1e-3, STEPS optimizer steps (default 4000). Only the attack
# differs. The caller adds --train/--val, --seed, --out and the device. VAL_IMAGES
# (default 100) and VAL_EVERY (default 0: a log row per epoch) only shape the learning
# curve in log.csv, not the training.
paper_steps=${STEPS:-4000}
paper_common=(--architecture fast --bits 30 --image-size 128 --target-psnr 36 --no-shaping
              --val-images "${VAL_IMAGES:-100}" --val-every "${VAL_EVERY:-0}"
              --batch-size 30 --lr 1e-3
              --adversarial-weight 0 --image-weight 0
              --warmup-strength 10 --warmup-steps 600
              --steps "$paper_steps" --checkpoint-every 100 --progress off)
paper_seed=1

# Columns in the order they are trained on the CPU (most informative first).
paper_columns=(real-jpeg jpeg-mask diffjpeg jpeg-drop drop-mask jpeg2000-500 webp-50 jpeg-j2k-webp)
declare -A paper_attacks=(
  [real-jpeg]='split(jpeg:10,jpeg:25,jpeg:50,jpeg:75,jpeg:90)'
  [jpeg-mask]='jpeg-mask'
  [diffjpeg]='diffjpeg:50'
  [jpeg-drop]='jpeg-drop'
  [drop-mask]='choice(jpeg-drop,jpeg-mask)'
  [jpeg2000-500]='jpeg2000:500'
  [webp-50]='webp:50'
  [jpeg-j2k-webp]='split(jpeg:50,jpeg2000:500,webp:50)'
)

# Step of the last row of a run's log.csv (0 when there is none).
paper_last_step() {
  [ -f "$1/log.csv" ] && tail -n 1 "$1/log.csv" | cut -d, -f2 | grep -E '^[0-9]+$' || echo 0
}

# Issue 11, session 12: version 2 fine-tuned so that no region holds bits alone. Half of
# the split's slices keep the mark in a random rectangle only (cropout, the rest is the
# cover) before a real codec, so the decoder must read every bit from any large part of
# the photo; the shaping is the quieter one of docs/visibility.md "Session 12" (flat 0.08,
# dark 24, coarse), and a third of the covers are whole photos.
# Resume: copy checkpoint.pt and log.csv to runs/default-cropout/, add --resume.
# Session 13 resumed it with --resume --steps 6000; the checkpoint is at step 4,600
# (figures there: docs/visibility.md, worse than at 3,195).
build/robusthide train --architecture fast --bits 64 --chroma 0 --flat 0.08 --texture 16 \
  --luminance-adaptation false --dark 24 --coarse-texture true --whole-photo-share 0.3 \
  --train ../shared/data/train --val ../shared/data/val --val-images 96 \
  --attack "split(jpeg:25,jpeg:50,jpeg:75,webp:50,jpeg2000:250,chain(cropout:0.5,jpeg:50),chain(cropout:0.5,webp:50),chain(cropout:0.5,jpeg:75))" \
  --adversarial-weight 0 --image-weight 0 --checkpoint-every 100 --progress off \
  --target-psnr 37 --init models/default.pt --lr 5e-4 --steps 4000 --max-minutes 62 \
  --out runs/default-cropout

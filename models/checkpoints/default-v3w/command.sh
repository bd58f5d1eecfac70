build/robusthide train --architecture fast --bits 64 --chroma 0 --flat 0.05 --texture 16 \
  --luminance-adaptation false --dark 24 --coarse-texture true --whole-photo-share 0.5 \
  --train ../shared/data/train --val ../shared/data/val --val-images 96 \
  --attack "split(jpeg:25,jpeg:40,jpeg:50,jpeg:60,jpeg:75,jpeg:90,webp:50,jpeg2000:250)" \
  --adversarial-weight 0 --image-weight 0 --checkpoint-every 100 --progress off \
  --target-psnr 35 --init models/default.pt --lr 5e-4 --steps 3000 --max-minutes 60 \
  --out runs/default-v3w

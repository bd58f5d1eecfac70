#!/usr/bin/env bash
# Sets up everything (Debian packages, build) and runs the main job on sample data:
# a photo of the shared validation set through the real codecs robusthide trains
# against, printing PSNR and compressed size of each. Results go to out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
PHOTO="${1:-../shared/data/val/bsds500/101085.jpg}"
mkdir -p out/demo
for spec in jpeg:50 jpeg:10 jpeg2000:500 webp:50 mpeg4 h264:crf=30 jpeg-mask "diffjpeg:50"; do
  name=$(echo "$spec" | tr ':=' '__')
  echo "== robusthide attack --attack $spec"
  build/robusthide attack -i "$PHOTO" -o "out/demo/$name.png" --attack "$spec"
done

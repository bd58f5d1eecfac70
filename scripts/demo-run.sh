#!/usr/bin/env bash
# The main job, after setup: hide a text message in a sample photo with the shipped
# default model, recompress the photo with real JPEG at quality 50, read the message
# back and print message, PSNR and BER. Exits non-zero unless this very message comes
# back (extract --expect-text: 3 = no watermark, 4 = another payload).
# Usage: scripts/demo-run.sh [ROBUSTHIDE_BINARY [OUT_DIR]]   (also run by ctest)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/build/robusthide}"
out="${2:-$root/out/demo}"
data="${ROBUSTHIDE_DATA:-$root/../shared/data}"
photo="${PHOTO:-$data/val/bsds500/101085.jpg}"
message="${MESSAGE:-Hi!}"
mkdir -p "$out"
echo "== embed \"$message\" into $photo (default model)"
"$bin" embed -i "$photo" -o "$out/marked.png" --text "$message"
echo "== recompress with real JPEG, quality 50"
"$bin" attack -i "$out/marked.png" -o "$out/marked-q50.jpg" --attack jpeg:50 > /dev/null
ls -l "$out/marked-q50.jpg" | awk '{print $5 " bytes: '"$out"'/marked-q50.jpg"}'
echo "== extract from the JPEG"
"$bin" extract -i "$out/marked-q50.jpg" --expect-text "$message"

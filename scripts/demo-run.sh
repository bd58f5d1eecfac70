#!/usr/bin/env bash
# The main job, after setup: hide a text message in a sample photo with the shipped
# default model, recompress the photo with real JPEG at quality 50, read the message
# back and print message, PSNR and BER. Exits non-zero unless this very message comes
# back (extract --expect-text: 3 = no watermark, 4 = another payload).
# Usage: scripts/demo-run.sh [ROBUSTHIDE_BINARY [OUT_DIR]]   (also run by ctest)
#        scripts/demo-run.sh --check   (only checks that the sample photo is there; demo.sh
#                                       runs it before the long setup)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${ROBUSTHIDE_DATA:-$root/../shared/data}"
photo="${PHOTO:-$data/val/bsds500/101085.jpg}"
if [ ! -f "$photo" ]; then
  echo "demo: sample photo '$photo' not found: the data is read from ../shared/data next" \
    "to the repository; set ROBUSTHIDE_DATA=DIR (the data folder) or PHOTO=FILE" >&2
  exit 2
fi
[ "${1:-}" = --check ] && exit 0
bin="${1:-$root/build/robusthide}"
out="${2:-$root/out/demo}"
message="${MESSAGE:-Hi!}"
mkdir -p "$out"
echo "== embed \"$message\" into $photo (default model)"
"$bin" embed -i "$photo" -o "$out/marked.png" --text "$message"
echo "== recompress with real JPEG, quality 50"
"$bin" attack -i "$out/marked.png" -o "$out/marked-q50.jpg" --attack jpeg:50 > /dev/null
ls -l "$out/marked-q50.jpg" | awk '{print $5 " bytes: '"$out"'/marked-q50.jpg"}'
echo "== extract from the JPEG"
"$bin" extract -i "$out/marked-q50.jpg" --expect-text "$message"

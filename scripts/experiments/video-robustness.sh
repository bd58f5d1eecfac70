#!/usr/bin/env bash
# Whole-video robustness of a model (issue 13): mark moving clips with `embed`, do to each
# marked file what a platform may do (`transcode`), and read the payload back from the
# whole file and from every 2-second window (`extract --window 2`). The unmarked clips
# must read as unmarked (false positives). docs/video.md, "Whole-video robustness".
#
#   scripts/experiments/video-robustness.sh [MODEL] [OUT]   # defaults: models/default.pt, out/video-robustness
#
# Clips: PAN pan/zoom videos (build/pan_video: 8 s, 25 fps, 320x320) cut from the first
# PAN photos of ../shared/data/val (default 4) and the two sample videos. Writes
# OUT/results.csv (one row per clip and transform; bpp_marked: the video stream's bits per
# pixel of the row's file, the marked one or its re-encode) and prints a summary per
# transform.
# Environment: STRENGTH (embed --strength, default 1), EMBED_FLAGS (more embed flags, e.g.
# "--video-check libx264:crf=40"), EXTRACT_FLAGS (more extract flags, e.g. "--grid 2" with
# EMBED_FLAGS="--grid 2"), ONLY (transform names, default all), VIDEOS=0 (the pan clips only).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
model=${1:-$repo/models/default.pt}
out=${2:-$repo/out/video-robustness}
bin=$repo/build/robusthide
data=${ROBUSTHIDE_DATA:-$repo/../shared/data}
pan=${PAN:-4}
[ -x "$bin" ] && [ -x "$repo/build/pan_video" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
mkdir -p "$out/clips" "$out/marked" "$out/attacked"

clips=()
n=0
for photo in $(find "$data/val" -name '*.jpg' | sort | head -n "$pan"); do
  n=$((n + 1))
  clip=$out/clips/pan-$(basename "$photo" .jpg).mp4
  [ -f "$clip" ] || "$repo/build/pan_video" "$photo" "$clip" --seed "$n" > /dev/null
  clips+=("$clip")
done
[ "${VIDEOS:-1}" = 0 ] || clips+=("$data/video/car-detection.mp4" "$data/video/vtest.avi")

# name|transcode flags (the output's extension follows the name's last field)
transforms=(
  "mpeg4-default|--video-encoder mpeg4 --quantizer 0|avi"
  "xvid-default|--video-encoder libxvid --quantizer 0|avi"
  "x264-crf23|--crf 23|mp4"
  "x264-crf33|--crf 33|mp4"
  "x264-crf40|--crf 40|mp4"
  "vp9-crf31|--video-encoder libvpx-vp9 --crf 31|webm"
  "av1-crf35|--video-encoder libsvtav1 --crf 35|mkv"
  "av1-crf50|--video-encoder libsvtav1 --crf 50|mkv"
  "av1-crf58|--video-encoder libsvtav1 --crf 58|mkv"
  "480p|--height 480 --crf 23|mp4"
  "half-size|HALF --crf 23|mp4"
  "24fps|--fps 24 --crf 23|mp4"
  "trim-1s|--trim-start 1 --trim-end 1 --crf 23|mp4"
)
if [ -n "${ONLY:-}" ]; then
  chosen=()
  for t in "${transforms[@]}"; do
    [[ " $ONLY " == *" ${t%%|*} "* ]] && chosen+=("$t")
  done
  transforms=("${chosen[@]}")
fi

# extract's JSON -> "found,windows_found,windows,frames"
summary() {
  /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print("%d,%d,%d,%d" % (j["found"], j["windows_found"], len(j["windows"]), j["frames"]))'
}
# shellcheck disable=SC2086  # EXTRACT_FLAGS are words
extract() { "$bin" extract -m "$model" -i "$1" --window 2 --json --progress off ${EXTRACT_FLAGS:-} || true; }

csv=$out/results.csv
echo "clip,transform,found,windows_found,windows,frames,psnr_db,ciede2000,flicker,bpp_marked,bpp_unmarked,window_strengths" > "$csv"
for clip in "${clips[@]}"; do
  name=$(basename "${clip%.*}")
  marked=$out/marked/$name.mp4
  # shellcheck disable=SC2086  # EMBED_FLAGS are words
  embed_json=$("$bin" embed -m "$model" -i "$clip" -o "$marked" --text 'rh13' --json \
    --progress off --bitrate-cost --strength "${STRENGTH:-1}" ${EMBED_FLAGS:-})
  quality=$(echo "$embed_json" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print("%.2f,%.3f,%.3f,%.5f,%.5f,%s" % (j["psnr_db"], j["ciede2000_mean"], j["flicker"], j["bits_per_pixel"], j["unmarked_bits_per_pixel"], " ".join("%g" % s for s in j["window_strengths"])))')
  echo "$name,unmarked,$(extract "$clip" | summary),,,,,," >> "$csv"
  echo "$name,marked,$(extract "$marked" | summary),$quality" >> "$csv"
  height=$(/usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1])['height'])" "$embed_json")
  for t in "${transforms[@]}"; do
    IFS='|' read -r tname flags ext <<< "$t"
    flags=${flags/HALF/--height $(( height / 2 / 2 * 2 ))}
    attacked=$out/attacked/$name.$tname.$ext
    # shellcheck disable=SC2086
    bpp=$("$bin" transcode -i "$marked" -o "$attacked" $flags --progress off --json |
      /usr/bin/python3 -c 'import json,sys; print("%.5f" % json.load(sys.stdin)["bits_per_pixel"])')
    echo "$name,$tname,$(extract "$attacked" | summary),,,,$bpp,," >> "$csv"
  done
  echo "video-robustness: $name done" >&2
done

/usr/bin/python3 - "$csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(r["transform"], []).append(r)
print("%-14s %12s %16s %s" % ("transform", "files found", "2-s windows found", "bits/pixel"))
for t, rs in by.items():
    f = sum(int(r["found"]) for r in rs)
    wf = sum(int(r["windows_found"]) for r in rs)
    w = sum(int(r["windows"]) for r in rs)
    bpp = [float(r["bpp_marked"]) for r in rs if r["bpp_marked"]]
    span = "%.4f-%.4f" % (min(bpp), max(bpp)) if bpp else ""
    print("%-14s %7d of %d %9d of %d   %s" % (t, f, len(rs), wf, w, span))
PY

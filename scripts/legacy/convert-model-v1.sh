#!/usr/bin/env bash
# Converts a model file of format version 1 (a LibTorch zip archive, written before
# robusthide's own container) to the current format, and checks that every tensor, the
# config and the provenance come back identical. Only for files you trust: format 1 is
# read with LibTorch's archive reader, which crafted files crash (docs/reliability.md).
#   scripts/legacy/convert-model-v1.sh OLD.pt NEW.pt     (after scripts/build.sh)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 OLD.pt NEW.pt" >&2; exit 2; }
bin=$repo/build/convert-model-v1
if [ ! -x "$bin" ] || [ "$bin" -ot "$repo/scripts/legacy/convert-model-v1.cpp" ]; then
  g++ -std=gnu++17 -O1 -I"$repo/include" -I"$repo/src" -isystem /usr/include/torch/csrc/api/include \
    "$repo/scripts/legacy/convert-model-v1.cpp" -o "$bin" "$repo/build/librobusthide.a" \
    -ltorch -ltorch_cpu -lc10 -lturbojpeg -lopenjp2 -lwebpdemux -lwebp -lpng16 \
    -lavcodec -lavformat -lavutil -lswscale -lpthread
fi
exec "$bin" "$1" "$2"

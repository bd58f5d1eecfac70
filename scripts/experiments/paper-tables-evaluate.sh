#!/usr/bin/env bash
# Evaluates every trained run of the paper's Tables 1-3 (issue 15): each folder of OUT
# holding a model.pt gets OUT/NAME.eval.json (written atomically by evaluate) with the jpeg, jpeg2000 and webp
# tables on the 100 centre crops of ../shared/data/val, MESSAGES independent messages per
# image (default 20: 60,000 bits per row, so that 0 errors bounds the BER below 0.0064%
# at 95%). Reports already written are kept. Used by paper-tables.sh after training, and
# on the runs a GPU job brought back (docs/results.md, "The paper's Tables 1-3").
# TABLES (default "jpeg jpeg2000 webp") chooses the tables, e.g. TABLES=jpeg for Table 1's
# imitation columns (a third of the time).
#
#   scripts/experiments/paper-tables-evaluate.sh OUT [NAME...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: paper-tables-evaluate.sh OUT [NAME...]}
shift
bin=$repo/build/robusthide
data=${ROBUSTHIDE_DATA:-$repo/../shared/data}
[ -x "$bin" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
if [ $# -gt 0 ]; then names=("$@"); else
  names=()
  for d in "$out"/*/; do [ -f "$d/model.pt" ] && names+=("$(basename "$d")"); done
fi
for name in "${names[@]}"; do
  [ -f "$out/$name.eval.json" ] && continue
  echo "== $name"
  tables=()
  for t in ${TABLES:-jpeg jpeg2000 webp}; do tables+=(--table "$t"); done
  "$bin" evaluate --model "$out/$name/model.pt" --data "$data/val" --attack identity \
    "${tables[@]}" --messages-per-image "${MESSAGES:-20}" \
    --format json --output "$out/$name.eval.json" -q
done

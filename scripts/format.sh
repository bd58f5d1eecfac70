#!/usr/bin/env bash
# Formats robusthide's C++ sources (every tracked .cpp and .h) with .clang-format, in place.
#   scripts/format.sh            # rewrite the files that differ
#   scripts/format.sh --check    # list them and exit 1 (the `format` test runs this)
# Uses clang-format 14 (Debian 12's `clang-format`, installed by scripts/install-deps.sh):
# other versions format a few constructs differently.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
tool=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format || true)}
[ -n "$tool" ] || { echo "format: clang-format not found (scripts/install-deps.sh installs it)" >&2; exit 2; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h')
else
  mapfile -t files < <(find src include tools tests bench fuzz -name '*.cpp' -o -name '*.h' | sort)
fi
if [ "${1:-}" = --check ]; then
  if ! "$tool" --style=file --dry-run -Werror "${files[@]}" 2> /tmp/format-check.$$; then
    echo "format: these files differ from .clang-format (run scripts/format.sh):" >&2
    grep -o '^[^:]*\.\(cpp\|h\):' /tmp/format-check.$$ | sort -u | sed 's/:$//; s/^/  /' >&2
    rm -f /tmp/format-check.$$
    exit 1
  fi
  rm -f /tmp/format-check.$$
  echo "format: ${#files[@]} files follow .clang-format"
else
  "$tool" -i --style=file "${files[@]}"
fi

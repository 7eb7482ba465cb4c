#!/usr/bin/env bash
# Every tracked C source and header is formatted as .clang-format says.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "format: not a git checkout; nothing to check"
  exit 0
fi
git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror
echo "format: $(git ls-files '*.c' '*.h' | wc -l) files formatted"

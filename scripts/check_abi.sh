#!/usr/bin/env bash
# Compare the ABI of a built libcorral.so with the committed baseline (abi/libcorral.so.0.abi).
# Usage: scripts/check_abi.sh BUILD_DIR [--update]
# Needs a build with debug info (-g) and libabigail's abidw/abidiff (Debian: abigail-tools).
# Any difference fails: an incompatible change must bump CORRAL_SOVERSION, and a compatible
# addition must be recorded by re-running with --update and committing the new baseline.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lib="${1:?usage: check_abi.sh BUILD_DIR [--update]}/core/libcorral.so"
baseline="$top/abi/libcorral.so.0.abi"
if [ "${2:-}" = "--update" ]; then
  abidw --headers-dir "$top/core/include" --no-corpus-path "$lib" > "$baseline"
  echo "abi: baseline updated ($baseline)"
  exit 0
fi
set +e
abidiff --headers-dir1 "$top/core/include" --headers-dir2 "$top/core/include" "$baseline" "$lib"
rc=$?
set -e
if [ $rc -eq 0 ]; then echo "abi: matches the baseline"; exit 0; fi
if [ $((rc & 8)) -ne 0 ]; then echo "abi: INCOMPATIBLE change against the baseline" >&2
elif [ $((rc & 4)) -ne 0 ]; then echo "abi: compatible change; record it: scripts/check_abi.sh BUILD_DIR --update" >&2
else echo "abi: abidiff failed (exit $rc)" >&2; fi
exit 1

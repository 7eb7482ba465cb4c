#!/usr/bin/env bash
# Configure a Release build with the benchmarks into build-bench/, build it, run the table.
# Extra arguments go to corral_bench (--quick, --runs K, --filter SUBSTR, --timeout S, --list).
# The table is also written to build-bench/bench-results.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-bench"
if ! pkg-config --exists libuv; then
  echo "run.sh: libuv is missing (Debian: apt-get install libuv1-dev)" >&2
  exit 1
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DCORRAL_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target corral_bench
"$build/bench/corral_bench" "$@" | tee "$build/bench-results.txt"

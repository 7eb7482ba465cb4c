#!/usr/bin/env bash
# Python binding benchmarks: corral vs asyncio, uvloop, trio, aiotools and hat.aio, side by side.
# Builds the core in Release (-O2, the same flags as bench/run.sh) into build-bench-py/,
# installs the peers with pip if missing (a peer pip cannot get shows as "not installed"),
# and runs bench/python/bench.py with the given arguments (--quick, --runs K,
# --only spawn_many,flat_memory, --impl corral,uvloop, --flat-n 10000000, ...).
# The table is also written to build-bench-py/bench-python-results.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build-bench-py"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DCORRAL_BUILD_TESTS=OFF \
  -DCORRAL_BUILD_EXAMPLES=OFF >/dev/null
# quiet when it works; the compiler's messages when it does not
if ! cmake --build "$build" --target corral >"$build/build.log" 2>&1; then
  cat "$build/build.log" >&2
  exit 1
fi
python3 -c "import uvloop, trio, aiotools, hat.aio" 2>/dev/null ||
  python3 -m pip install -q uvloop trio aiotools hat-aio ||
  echo "run.sh: pip could not install every peer; the missing ones show as not installed" >&2
export CORRAL_LIBRARY="$build/core/libcorral.so.0"
export PYTHONPATH="$root/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
python3 "$root/bench/python/bench.py" "$@" | tee "$build/bench-python-results.txt"

#!/usr/bin/env bash
# bash bench/lua/run.sh [--quick] [--runs K] [--filter S] [-v]
# Builds the core and the Lua module in Release (-O2) into build-bench/ (the core, as
# bench/run.sh does) and build-bench/lua/ (the module, built against that core), then runs
# bench/lua/bench.lua on Lua 5.4 and on LuaJIT. Needs lua-cqueues for the cqueues column
# (Debian: apt-get install lua-cqueues; without it the column shows n/a).
# The tables are also written to build-bench/bench-lua-results.txt (CORRAL_BENCH_BUILD=dir
# builds elsewhere).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${CORRAL_BENCH_BUILD:-$root/build-bench}"
flags=(-G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG")
cmake -S "$root" -B "$build" "${flags[@]}" >/dev/null
cmake --build "$build" --target corral >/dev/null
cmake -S "$root/bindings/lua" -B "$build/lua" "${flags[@]}" -Dcorral_DIR="$build" >/dev/null
cmake --build "$build/lua" >/dev/null
export LUA_CPATH_5_4="$build/lua/lua5.4/?.so;;"
export LUA_CPATH="$build/lua/luajit/?.so;;"
export LUA_PATH="$root/bindings/lua/?.lua;$root/bindings/lua/?/init.lua;;"
out="$build/bench-lua-results.txt"
: >"$out"
for lua in lua5.4 luajit; do
  if command -v "$lua" >/dev/null; then
    "$lua" "$root/bench/lua/bench.lua" "$@" | tee -a "$out"
    echo | tee -a "$out"
  fi
done

#!/usr/bin/env bash
# THE demo command: bash scripts/demo.sh
#   installs the dependencies, builds the core (build/), installs it into ./_install with
#   `cmake --install`, builds the examples against the installed copy (find_package and
#   pkg-config), and runs them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
prefix=$root/_install

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
if [ "${CORRAL_SKIP_DEPS:-0}" != 1 ]; then bash scripts/install-deps.sh; fi

step "build the core (build/)"
if [ -f build/CMakeCache.txt ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' build/CMakeCache.txt; then
  rm -rf build
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build -j "$jobs"

step "install into ./_install (cmake --install build --prefix _install)"
rm -rf "$prefix"
cmake --install build --prefix "$prefix" | sed "s|$root/||"
libdir=$(dirname "$(find "$prefix" -name libcorral.so -print -quit)")

step "build the examples against the installed corral"
echo "find_package(corral):  cmake -S examples -B build/examples-installed -DCMAKE_PREFIX_PATH=_install"
cmake -S examples -B build/examples-installed -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build build/examples-installed
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "pkg-config:            cc examples/spine_demo.c \$(pkg-config --cflags --libs corral)"
echo "                       -> $(pkg-config --cflags --libs corral | sed "s|$root/||g")"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o build/examples-installed/spine_demo_pc \
  examples/spine_demo.c $(pkg-config --cflags --libs corral)

step "run examples/spine_demo (find_package build; real clock, about 0.1 s)"
cat <<'TXT'
main opens group "workers" and spawns five fibers into it:
  producer  sleeps 30 ms, then resolves a future with 42
  consumer  awaits the future inside fail_after(80 ms)          -> done 42
  sleeper   move_on_after(50 ms) around a 1 s sleep (moves on), then
            fail_after(20 ms) around another (Timeout, handled)  -> done
  guard     60 ms inside a shield; main cancels it at 30 ms      -> cancelled after the shield
  ticker    ticks every 25 ms until main closes the group        -> cancelled
Trace lines are "<ms since start> <actor> <event> [detail]"; "log" lines are the program's own.

TXT
build/examples-installed/spine_demo

step "the same program built with pkg-config (LD_LIBRARY_PATH=_install/lib)"
LD_LIBRARY_PATH="$libdir" build/examples-installed/spine_demo_pc | tail -n 1

step "the same demo in Rust (examples/rust, on the corral crate; bundled core)"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
CORRAL_SYS_MODE=bundled cargo run --quiet --locked -p corral-demo

step "the same demo in Python (bindings/python, on the installed library)"
CORRAL_LIBRARY="$libdir/libcorral.so.0" PYTHONPATH=bindings/python \
  python3 bindings/python/examples/spine_demo.py

step "the same demo in Lua (examples/lua, on Lua 5.4 and LuaJIT; module from build/)"
bash examples/lua/run.sh build

printf '\ndemo: done (library, headers, corral.pc and the CMake package are in ./_install)\n'

#!/usr/bin/env bash
# Run the Lua part of the demo: examples/lua/spine_demo.lua on Lua 5.4 and LuaJIT.
#   bash examples/lua/run.sh [build-dir]     (default: build-lua; needs -DCORRAL_BUILD_LUA=ON,
#                                             the default, and SWIG)
# Against an installed corral instead (cmake --install ... --prefix P installs the module):
#   CORRAL_LUA_PREFIX=P bash examples/lua/run.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$root/build-lua}" && pwd)
if [ -n "${CORRAL_LUA_PREFIX:-}" ]; then
  p=$CORRAL_LUA_PREFIX
  export LUA_CPATH_5_4="$p/lib/lua/5.4/?.so;;" LUA_PATH_5_4="$p/share/lua/5.4/?.lua;$p/share/lua/5.4/?/init.lua;;"
  export LUA_CPATH="$p/lib/lua/5.1/?.so;;" LUA_PATH="$p/share/lua/5.1/?.lua;$p/share/lua/5.1/?/init.lua;;"
  export LD_LIBRARY_PATH="$p/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
  export LUA_CPATH_5_4="$build/bindings/lua/lua5.4/?.so;;" LUA_CPATH="$build/bindings/lua/luajit/?.so;;"
  export LUA_PATH="$root/bindings/lua/?.lua;$root/bindings/lua/?/init.lua;;"
fi
status=0
for lua in lua5.4 luajit; do
  if ! command -v "$lua" >/dev/null; then
    echo "($lua not found: skipped)"
    continue
  fi
  echo "== $lua examples/lua/spine_demo.lua"
  "$lua" "$root/examples/lua/spine_demo.lua" | sed 's/^\([0-9]\)/  \1/' || status=1
done
exit $status

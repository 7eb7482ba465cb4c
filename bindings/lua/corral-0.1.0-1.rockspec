-- luarocks make (from bindings/lua) builds corral.core with CMake against an installed corral
-- (cmake --install build --prefix <prefix>) and installs it with the Lua layer:
--   luarocks --lua-version=5.4 make CORRAL_DIR=<prefix>
--   luarocks --lua-version=5.1 make CORRAL_DIR=<prefix>     (LuaJIT: 5.1 API)
rockspec_format = "3.0"
package = "corral"
version = "0.1.0-1"
source = {
  url = "git+file:///work/main",
  dir = "main/bindings/lua",
}
description = {
  summary = "Structured concurrency for Lua on the corral C core (tasks, scopes, groups, queues, sync)",
  detailed = [[
    Lua coroutines are tasks driven by the corral C runtime: lazy spawn, join, level-triggered
    cancellation with cancel scopes (move_on_*, fail_*, shield, uncancellable), futures,
    queues, a virtual clock; groups with the presets of hat.aio (Group, Resource), aiotools
    (TaskGroup, Supervisor, PersistentTaskGroup), trio (nursery) and codestare (TaskNursery),
    the helpers call, call_on_cancel, call_on_done, first, race, gather_safe,
    as_completed_safe and cancel_and_join; closable FIFO, LIFO and priority queues and a
    rendezvous channel, Event, Lock, Semaphore, BoundedSemaphore, Condition and a watch cell;
    and to-be-closed variables (Lua 5.4) or corral.with (all versions) as async context
    managers. Works on Lua 5.4 and LuaJIT 2.1.
  ]],
  license = "MIT",
  labels = { "async", "coroutines", "concurrency" },
}
dependencies = {
  "lua >= 5.1, < 5.5",
}
external_dependencies = {
  CORRAL = { header = "corral.h", library = "corral" },
}
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    CMAKE_PREFIX_PATH = "$(CORRAL_DIR)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    CORRAL_LUA_CMOD_DIR = "$(LIBDIR)",
    CORRAL_LUA_LMOD_DIR = "$(LUADIR)",
  },
}
test = {
  type = "busted",
}

-- S76 - A closed subgroup's exception callback still hands on to its parent (R56, R47, R55).
local corral = require "corral"
local log = corral.log
local function ek(e) return corral.kind(e) .. ":" .. e.msg end
local function cb_l(e, t) log("cbL " .. t:name() .. " " .. ek(e)); error(corral.error("RuntimeError", "l"), 0) end
local function cb_g(e, t)
  log("cbG " .. t:name() .. " " .. ek(e))
  if corral.kind(e) == "RuntimeError" then error(corral.error("KeyErr", "g"), 0) end
end
local function f(ms, m) corral.sleep(ms / 1000); error(corral.error("ValueError", m), 0) end
local function w(tag, err)
  local ok, e = pcall(corral.sleep, 0.100)
  if not ok then
    log(tag .. " cancelled")
    if err then error(corral.error("ValueError", err), 0) end
    error(e, 0)
  end
end
corral.run({ clock = "virtual", trace = true, log = false }, function()
  local G = corral.group("G", { exception_cb = cb_g })
  local M = G:create_subgroup("M")
  local L = M:create_subgroup("L", { exception_cb = cb_l })
  L:spawn("a", f, 1, "a")
  M:spawn("b", f, 2, "b")
  L:spawn("c", w, "c", "c")
  G:spawn("d", w, "d")
  corral.sleep(0.005)
  M:close(); M:wait_closed(); log("M closed")
  corral.sleep(0.001)
  G:async_close(); log("G closed unhandled=" .. corral.unhandled_count())
end)

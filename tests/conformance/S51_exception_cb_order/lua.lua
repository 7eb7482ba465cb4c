-- S51 - exception_cb order, inheritance and a raising handler (R55, R56, R47).
local corral = require "corral"
local log = corral.log

-- cb(e, t): log("cb " + t.name + " " + kind(e) + ":" + msg(e))   (actor G.cb)
local function cb(e, t)
  log("cb " .. t:name() .. " " .. corral.kind(e) .. ":" .. e.msg)
end

-- cb2(e, t): log("cb2 " + t.name); raise RuntimeError("cb2")   (actor S2.cb)
local function cb2(e, t)
  log("cb2 " .. t:name())
  error(corral.error("RuntimeError", "cb2"), 0)
end

-- f(m): await sleep(5); raise ValueError(m)
local function f(m)
  corral.sleep(0.005)
  error(corral.error("ValueError", m), 0)
end

corral.run({ clock = "virtual", trace = true }, function()
  local G = corral.group("G", { exception_cb = cb })
  local S = G:create_subgroup("S") -- inherits cb
  local S2 = G:create_subgroup("S2", { exception_cb = cb2 })
  G:spawn("A", f, "a")
  S:spawn("B", f, "b")
  S2:spawn("C", f, "c")
  corral.sleep(0.010)
  G:async_close()
  log("closed")
end)

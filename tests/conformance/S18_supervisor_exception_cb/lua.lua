-- S18 - Supervisor with exception_cb (hat Group) (R18, R55, R56).
local corral = require "corral"
local log = corral.log

-- cb(e, t): log("cb " + kind(e))   (actor G.cb)
local function cb(e, t)
  log("cb " .. tostring(e))
end

-- A (in G): await sleep(5); raise ValueError("x")
local function task_a()
  corral.sleep(0.005)
  error(corral.error("ValueError", "x"), 0)
end

-- B (in G): await sleep(20); return "b"
local function task_b()
  corral.sleep(0.020)
  return "b"
end

corral.run({ clock = "virtual", trace = true }, function()
  local g = corral.group("G", { exception_cb = cb })
  local a = g:spawn("A", task_a)
  local b = g:spawn("B", task_b)
  local ok, err = pcall(a.join, a)
  assert(not ok)
  log("join A " .. tostring(err))
  log("join B " .. b:join())
  log("open=" .. tostring(g:is_open()))
  corral.sleep(0.010)
  g:async_close()
  log("closed")
end)

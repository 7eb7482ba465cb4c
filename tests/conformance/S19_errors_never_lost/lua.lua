-- S19 - Errors in unawaited tasks and in handlers are never lost (R56, R57).
local corral = require "corral"
local log = corral.log

-- exception_cb = function(e, t) raise RuntimeError("cb") end
local function cb(e, t)
  error(corral.error("RuntimeError", "cb"), 0)
end

-- A (root group): await sleep(5); raise ValueError("boom")
local function task_a()
  corral.sleep(0.005)
  error(corral.error("ValueError", "boom"), 0)
end

-- B (in G): await sleep(15); raise ValueError("x")
local function task_b()
  corral.sleep(0.015)
  error(corral.error("ValueError", "x"), 0)
end

corral.run({ clock = "virtual", trace = true }, function()
  local g = corral.group("G", { exception_cb = cb })
  corral.spawn("A", task_a)
  g:spawn("B", task_b)
  corral.sleep(0.020)
  log("unhandled=" .. corral.unhandled_count())
end)

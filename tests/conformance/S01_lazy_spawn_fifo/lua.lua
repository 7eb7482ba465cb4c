-- S01 - Lazy spawn and FIFO round-robin (R4, R5, R7, R23).
local corral = require "corral"
local log = corral.log

-- f(): log("start"); await checkpoint(); log("after"); return <own name>
local function f()
  log("start")
  corral.checkpoint()
  log("after")
  return corral.current():name()
end

corral.run({ clock = "virtual", trace = true }, function()
  local G = corral.group("G")
  local a = G:spawn("A", f)
  local b = G:spawn("B", f)
  local c = G:spawn("C", f)
  log("spawned") -- spawn is lazy: no task has run yet
  a:join()
  b:join()
  c:join()
  log("joined")
end)

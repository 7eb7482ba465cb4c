-- S05 - A swallowed cancellation is re-delivered (R24).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  -- try: await sleep(100) except Cancelled: log("swallowed")
  -- log("continuing"); await sleep(1); log("unreachable")
  local a = corral.spawn("A", function()
    local ok, err = pcall(corral.sleep, 0.100) -- swallows the Cancelled
    if not ok and corral.is_cancelled(err) then log("swallowed") end
    log("continuing")
    corral.sleep(0.001) -- level-triggered: Cancelled again
    log("unreachable")
  end)
  corral.sleep(0.010)
  a:cancel()
  local ok, err = pcall(a.join, a)
  if not ok and corral.kind(err) == "TaskCancelled" then log("join TaskCancelled") end
end)

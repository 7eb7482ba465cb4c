-- S11 - Shield with an inner deadline (R25, R28, R32).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    corral.shield(function()
      local inner = corral.move_on_after(0.010, function()
        corral.sleep(0.050) -- the task's cancel at t=2 is held off by the shield
      end)
      log("inner caught=" .. tostring(inner.cancelled_caught))
    end)
    log("left shield")
    corral.sleep(0.001)
    log("unreachable")
  end)
  corral.sleep(0.002)
  a:cancel()
  local ok, err = pcall(a.join, a)
  if not ok and corral.kind(err) == "TaskCancelled" then log("join TaskCancelled") end
end)

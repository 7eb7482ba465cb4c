-- S12 - move_on_after (R37).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    local s = corral.move_on_after(0.010, function()
      corral.sleep(0.005)
      log("slept 5")
      corral.sleep(0.020)
      log("unreachable")
    end)
    log("caught=" .. tostring(s.cancelled_caught))
    return "ok"
  end)
  pcall(a.join, a)
end)

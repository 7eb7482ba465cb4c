-- S13 - Nested deadlines expiring in one tick: outermost wins (R39, R28).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    local inner
    local outer = corral.move_on_at(0.010, function()
      corral.fail_at(0.010, function(s)
        inner = s
        corral.sleep(0.100)
      end)
    end)
    log("outer=" .. tostring(outer.cancelled_caught) .. " inner=" .. tostring(inner.cancelled_caught))
  end)
  pcall(a.join, a)
end)

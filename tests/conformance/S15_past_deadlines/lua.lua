-- S15 - Past deadlines and checkpoint-free bodies (R40).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    local s1 = corral.fail_after(0, function()
      log("sync only") -- cancelled at entry, but nothing observes it
    end)
    log("s1 caught=" .. tostring(s1.cancelled_caught))
    local ok, err = pcall(corral.fail_after, 0, function() corral.checkpoint() end)
    if not ok then
      if corral.kind(err) ~= "Timeout" then error(err, 0) end
      log("timeout")
    end
  end)
  pcall(a.join, a)
end)

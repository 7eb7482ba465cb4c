-- S14 - fail_after: Timeout only when the deadline is the cause (R38, R29).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  -- try: with fail_after(10): await sleep(100) except Timeout: log("timeout")
  local a = corral.spawn("A", function()
    local ok, err = pcall(corral.fail_after, 0.010, function() corral.sleep(0.100) end)
    if not ok then
      if corral.kind(err) ~= "Timeout" then error(err, 0) end
      log("timeout")
    end
  end)
  -- with fail_after(10) as s: s.cancel(); await checkpoint(); log("unreachable")
  -- log("no timeout, caught=" + s.cancelled_caught + " cause=" + s.cause)
  local b = corral.spawn("B", function()
    local s = corral.fail_after(0.010, function(s)
      assert(s:cancel() == true)
      corral.checkpoint()
      log("unreachable")
    end)
    log("no timeout, caught=" .. tostring(s.cancelled_caught) .. " cause=" .. s.cause)
  end)
  pcall(a.join, a)
  pcall(b.join, b)
end)

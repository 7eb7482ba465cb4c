-- S58 - trio-style nursery and its cancel scope (R49, R53, R28).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local n = corral.open_nursery(function(n)
    -- A: try: await sleep(100) except Cancelled: log("A cancelled"); raise
    n:start_soon("A", function()
      local ok, err = pcall(corral.sleep, 0.100)
      if not ok then
        if corral.is_cancelled(err) then log("A cancelled") end
        error(err, 0)
      end
    end)
    -- B: await sleep(5); n.cancel_scope.cancel(); log("B cancelled scope")
    n:start_soon("B", function()
      corral.sleep(0.005)
      n.cancel_scope:cancel()
      log("B cancelled scope")
    end)
    corral.sleep(0.050)
  end)
  log("caught=" .. tostring(n.cancel_scope.cancelled_caught))
end)

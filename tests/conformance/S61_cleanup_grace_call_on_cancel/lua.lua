-- S61 - Cleanup grace expiry in call_on_cancel (R66, R73).
local corral = require "corral"
local log = corral.log

-- slow(): await sleep(20); log("unreachable")
local function slow()
  corral.sleep(0.020)
  log("unreachable")
end

corral.run({ clock = "virtual", trace = true, log = false }, function()
  local G = corral.group("G", { cleanup_timeout = 0.005 })
  G:spawn("T", corral.call_on_cancel, slow)
  corral.sleep(0.010)
  G:async_close()
  log("closed")
end)

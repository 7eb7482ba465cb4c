-- S30 - Cleanup grace expiry (R66).
local corral = require "corral"
local log = corral.log

-- slow(): await sleep(20); log("unreachable")
local function slow()
  corral.sleep(0.020)
  log("unreachable")
end

corral.run({ clock = "virtual", trace = true, log = false }, function()
  local a = corral.spawn("A", function()
    corral.with(corral.ExitStack({ cleanup_timeout = 0.005 }), function(st)
      st:push_async_callback(slow)
      corral.sleep(0.100)
    end)
  end)
  corral.sleep(0.010)
  a:cancel()
  local ok, err = pcall(a.join, a)
  log("join " .. (ok and "ok" or corral.kind(err)))
end)

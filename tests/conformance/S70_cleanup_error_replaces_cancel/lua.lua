-- S70 - A cleanup error replaces a cancellation (R67, R39, R66).
local corral = require "corral"
local log = corral.log

-- raiser(name): await sleep(1); raise ValueError(name)
local function raiser(name)
  corral.sleep(0.001)
  error(corral.error("ValueError", name), 0)
end

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    corral.with(corral.ExitStack(), function(st)
      st:push_async_callback(raiser, "x")
      corral.sleep(0.100)
    end)
  end)
  corral.sleep(0.005)
  a:cancel()
  local ok, err = pcall(a.join, a)
  log("join " .. (ok and "ok" or tostring(err)))
end)

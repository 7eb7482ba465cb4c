-- S28 - ExitStack LIFO cleanup during cancellation (R66, R67).
-- corral.with is the portable `async with` (`local st <close> = corral.ExitStack()` on 5.4).
local corral = require "corral"
local log = corral.log

-- cleanup(name): await sleep(5); log(name + " done")
local function cleanup(name)
  corral.sleep(0.005)
  log(name .. " done")
end

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    corral.with(corral.ExitStack(), function(st)
      st:push_async_callback(cleanup, "c1")
      st:push_async_callback(cleanup, "c2")
      corral.sleep(0.100)
    end)
  end)
  corral.sleep(0.010)
  a:cancel()
  corral.sleep(0.002)
  a:cancel()
  local ok, err = pcall(a.join, a)
  log("join " .. (ok and "ok" or corral.kind(err)))
end)

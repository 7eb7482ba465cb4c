-- S38 - A body that returns after cancellation is COMPLETED (R14).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  -- try: await sleep(100) except Cancelled: log("returning 42"); return 42
  local a = corral.spawn("A", function()
    local ok, err = pcall(corral.sleep, 0.100)
    if not ok then
      if not corral.is_cancelled(err) then error(err, 0) end
      log("returning 42")
      return 42
    end
  end)
  corral.sleep(0.010)
  a:cancel()
  log("join=" .. a:join())
end)

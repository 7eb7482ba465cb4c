-- S24 - Awaiting a cancelled future (R22).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local f = corral.future()
  -- try: await f except FutureCancelled: log("future cancelled")
  -- await sleep(1); log("alive"); return "ok"
  local t = corral.spawn("T", function()
    local ok, err = pcall(f.await, f)
    if not ok then
      if corral.kind(err) ~= "FutureCancelled" then error(err, 0) end
      log("future cancelled") -- an ordinary error: T is not cancelled
    end
    corral.sleep(0.001)
    log("alive")
    return "ok"
  end)
  corral.sleep(0.001)
  assert(f:cancel() == true)
  log("join " .. t:join())
end)

-- S45 - First signal cancels main, later signals are ignored (R51, R32).
-- Compared through the final "rt run" line.
local corral = require "corral"
local log = corral.log

local ok, err = pcall(corral.run, { clock = "virtual", trace = true }, function()
  -- H (root): await sleep(10); rt.inject_signal(SIGINT); await sleep(2); rt.inject_signal(SIGINT)
  corral.spawn("H", function()
    corral.sleep(0.010)
    corral.inject_signal("SIGINT") -- cancels main (cause SIGNAL)
    corral.sleep(0.002)
    corral.inject_signal("SIGINT") -- ignored
  end)
  -- try: await sleep(100) finally: with shield(): await sleep(5); log("main cleanup")
  local ok, e = pcall(corral.sleep, 0.100)
  corral.shield(function()
    corral.sleep(0.005)
    log("main cleanup")
  end)
  if not ok then error(e, 0) end
end)
if ok or not corral.is_cancelled(err) or err.cause ~= "SIGNAL" then
  io.stderr:write("S45: expected Cancelled(SIGNAL), got " .. tostring(err) .. "\n")
  os.exit(1)
end

-- S46 - Deadlock detection on the virtual clock (R10).
-- Compared through the final "rt run" line.
local corral = require "corral"
local log = corral.log

-- main: f = Future(); log("waiting"); await f
local ok, err = pcall(corral.run, { clock = "virtual", trace = true }, function()
  local f = corral.future()
  log("waiting")
  f:await() -- nothing can complete f: Cancelled (SHUTDOWN)
end)
if ok or corral.kind(err) ~= "Deadlock" then
  io.stderr:write("S46: expected Deadlock, got " .. tostring(err) .. "\n")
  os.exit(1)
end

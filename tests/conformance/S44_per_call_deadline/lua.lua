-- S44 - Per-call deadline vs cancellation (R41, R64).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local q = corral.queue()
  local ok, err = pcall(q.get, q, corral.now() + 0.010)
  if not ok and corral.kind(err) == "Timeout" then log("get Timeout") end
  -- X: q.get(deadline = now() + 10), the deadline computed by main at spawn time (t=20)
  local x = corral.spawn("X", q.get, q, corral.now() + 0.010)
  corral.sleep(0.005)
  x:cancel() -- cancellation, not the deadline, ends X's get
  local ok2, err2 = pcall(x.join, x)
  if not ok2 and corral.kind(err2) == "TaskCancelled" then log("join TaskCancelled") end
end)

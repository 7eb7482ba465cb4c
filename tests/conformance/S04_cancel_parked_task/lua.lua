-- S04 - Cancelling a parked task (R15, R16, R26).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  -- log("start"); try: await sleep(100) except Cancelled: log("caught"); raise
  local a = corral.spawn("A", function()
    log("start")
    local ok, err = pcall(corral.sleep, 0.100)
    if not ok then
      if corral.is_cancelled(err) then log("caught") end
      error(err, 0)
    end
  end)
  corral.sleep(0.010)
  assert(a:cancel() == true)
  log("requested")
  local ok, err = pcall(a.join, a)
  if not ok and corral.kind(err) == "TaskCancelled" then log("join TaskCancelled") end
end)

-- S06 - Cancelled before the first step: the body still starts (R13).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  -- log("start"); try: await checkpoint() finally: log("cleanup")
  local a = corral.spawn("A", function()
    log("start")
    local ok, err = pcall(corral.checkpoint)
    log("cleanup")
    if not ok then error(err, 0) end
  end)
  assert(a:cancel() == true)
  log("requested")
  local ok, err = pcall(a.join, a)
  if not ok and corral.kind(err) == "TaskCancelled" then log("join TaskCancelled") end
end)

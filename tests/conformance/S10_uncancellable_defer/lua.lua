-- S10 - uncancellable(raise_cancel=False) defers, never swallows (R34).
local corral = require "corral"
local log = corral.log

local function work()
  corral.sleep(0.020)
  log("work done")
  return "w"
end

corral.run({ clock = "virtual", trace = true }, function()
  -- r = await uncancellable(work(), raise_cancel=False); log("r=" + r)
  -- await sleep(1); log("unreachable")
  local a = corral.spawn("A", function()
    local r = corral.uncancellable(work, false)
    log("r=" .. r)
    corral.sleep(0.001) -- the deferred cancellation arrives here
    log("unreachable")
  end)
  corral.sleep(0.005)
  a:cancel()
  local ok, err = pcall(a.join, a)
  if not ok and corral.kind(err) == "TaskCancelled" then log("join TaskCancelled") end
end)

-- S09 - uncancellable(raise_cancel=True) (R33).
local corral = require "corral"
local log = corral.log

-- work(): await sleep(20); log("work done"); return "w"   (runs inline in the caller)
local function work()
  corral.sleep(0.020)
  log("work done")
  return "w"
end

corral.run({ clock = "virtual", trace = true }, function()
  -- r = await uncancellable(work(), raise_cancel=True); log("after " + r)
  local a = corral.spawn("A", function()
    local r = corral.uncancellable(work, true)
    log("after " .. r)
  end)
  corral.sleep(0.005)
  a:cancel()
  local ok, err = pcall(a.join, a)
  if not ok and corral.kind(err) == "TaskCancelled" then log("join TaskCancelled") end
end)

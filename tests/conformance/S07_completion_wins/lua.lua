-- S07 - Completion wins over a later cancel (R27).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local q = corral.queue()
  -- x = await q.get(); log("got " + x); await checkpoint(); log("unreachable")
  local a = corral.spawn("A", function()
    local x = q:get()
    log("got " .. x)
    corral.checkpoint()
    log("unreachable")
  end)
  corral.sleep(0.001)
  q:put_nowait(7) -- handed to the parked getter A
  a:cancel()      -- too late to undo the hand-off
  log("qsize " .. q:qsize())
  local ok, err = pcall(a.join, a)
  if not ok and corral.kind(err) == "TaskCancelled" then log("join TaskCancelled") end
end)

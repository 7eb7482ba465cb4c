-- S08 - Cancel before hand-off: the item stays queued (R27, R64).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local q = corral.queue()
  local a = corral.spawn("A", function()
    local x = q:get()
    log("got " .. x)
    corral.checkpoint()
    log("unreachable")
  end)
  corral.sleep(0.001)
  a:cancel() -- A leaves the getters' list before the put
  q:put_nowait(7)
  log("qsize " .. q:qsize())
  local ok, err = pcall(a.join, a)
  if not ok and corral.kind(err) == "TaskCancelled" then log("join TaskCancelled") end
  log("drained " .. q:get_nowait())
end)

-- S23 - Future listener order and deferral (R8, R19, R20).
local corral = require "corral"
local log = corral.log

-- cbN logs "cbN" (actor cbN)
local function cb(name)
  return function() log(name) end, name
end

corral.run({ clock = "virtual", trace = true }, function()
  local f = corral.future()
  f:add_done_callback(cb("cb1"))
  local t = corral.spawn("T", function() log("T got " .. f:await()) end)
  corral.sleep(0.001)
  f:add_done_callback(cb("cb2"))
  f:set_result(1) -- listeners are queued, none runs here
  log("after set")
  local ok, err = pcall(f.set_result, f, 2)
  if not ok and corral.kind(err) == "InvalidState" then log("invalid") end
  corral.checkpoint()
  f:add_done_callback(cb("cb3")) -- already done: queued at the tail
  t:join()
  log("end")
end)

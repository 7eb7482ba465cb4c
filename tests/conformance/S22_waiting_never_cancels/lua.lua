-- S22 - Waiting never cancels the awaited object (R16, R21, R48).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local G = corral.group("G")
  local T = G:spawn("T", function() corral.sleep(0.100); return "t" end)
  local f = corral.future()
  local w1 = corral.spawn("W1", function() G:wait_closed() end)
  local w2 = corral.spawn("W2", function() T:join() end)
  local f1 = corral.spawn("F1", function() f:await() end)
  local f2 = corral.spawn("F2", function()
    local v = f:await()
    log("got " .. v)
  end)

  corral.sleep(0.005)
  w1:cancel()
  w2:cancel()
  f1:cancel()
  for _, t in ipairs({ w1, w2, f1 }) do
    local ok, err = pcall(t.join, t)
    assert(not ok and corral.kind(err) == "TaskCancelled", tostring(err))
  end
  log("G open=" .. tostring(G:is_open()) .. " T done=" .. tostring(T:done()) ..
    " f pending=" .. tostring(f:pending()))

  corral.sleep(0.002)
  f:set_result(3)
  f2:join()
  G:async_close()
  log("end")
end)

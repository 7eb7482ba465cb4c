-- S66 - Watch cell: a later write wins, predicates, a write that waits for a reader (R65).
-- w:next() and w:wait_for(pred) return the value and its version; the programs log the value.
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local w = corral.watch(0)
  -- R: log("R got " + await w.next()); log("R matched " + await w.wait_for(lambda x: x >= 3))
  corral.spawn("R", function()
    log("R got " .. (w:next()))
    log("R matched " .. (w:wait_for(function(x) return x >= 3 end)))
  end)
  -- W: await sleep(1); w.set(1); log("set 1"); w.set(2); log("set 2"); await sleep(1);
  --    w.set(3); log("set 3")
  corral.spawn("W", function()
    corral.sleep(0.001)
    w:set(1)
    log("set 1")
    w:set(2)
    log("set 2")
    corral.sleep(0.001)
    w:set(3)
    log("set 3")
  end)
  -- P: await sleep(3); await w.put(10); log("put done")
  corral.spawn("P", function()
    corral.sleep(0.003)
    w:put(10)
    log("put done")
  end)

  corral.sleep(0.004)
  log("main got " .. (w:next())) -- P's write happens now: a reader waits
  local s = corral.move_on_after(0.001, function() w:next() end)
  log("timed out=" .. tostring(s.cancelled_caught))
  -- T: await sleep(1); w.set(12)
  corral.spawn("T", function()
    corral.sleep(0.001)
    w:set(12)
  end)
  log("after timeout got " .. (w:next())) -- the timed-out wait left nothing behind
end)

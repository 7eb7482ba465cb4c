-- S64 - Lock hand-off is FIFO; nobody barges in (R60's rule applied to locks, R65).
-- `async with lock` is corral.with(lock, fn), which runs on Lua 5.4 and LuaJIT (on 5.4,
-- `local _ <close> = lock:acquire()` does the same).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local lock = corral.lock()
  -- A: async with lock: log("A in"); await sleep(5)
  --    log("A out")
  local a = corral.spawn("A", function()
    corral.with(lock, function()
      log("A in")
      corral.sleep(0.005)
    end)
    log("A out")
  end)
  -- B: await sleep(1); async with lock: log("B in"); await sleep(1)
  local b = corral.spawn("B", function()
    corral.sleep(0.001)
    corral.with(lock, function()
      log("B in")
      corral.sleep(0.001)
    end)
  end)
  -- C: await sleep(2); async with lock: log("C in")
  local c = corral.spawn("C", function()
    corral.sleep(0.002)
    corral.with(lock, function() log("C in") end)
  end)
  -- E: await checkpoint(); await sleep(5); log("E try=" + lock.try_acquire())
  local e = corral.spawn("E", function()
    corral.checkpoint()
    corral.sleep(0.005)
    local got = lock:try_acquire()
    log("E try=" .. tostring(got))
    if got then lock:release() end
  end)
  for _, t in ipairs({ a, b, c, e }) do pcall(t.join, t) end
end)

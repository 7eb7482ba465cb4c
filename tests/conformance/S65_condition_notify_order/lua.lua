-- S65 - Condition: notify order, and a cancelled waiter re-acquires the lock (R65).
-- `async with cond` is corral.with(cond, fn) (Lua 5.4 and LuaJIT).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local cond = corral.condition()
  -- W(name): async with cond: log(name + " waiting"); await cond.wait(); log(name + " woken")
  local function w(name)
    corral.with(cond, function()
      log(name .. " waiting")
      cond:wait()
      log(name .. " woken")
    end)
  end
  corral.spawn("W1", w, "W1")
  corral.spawn("W2", w, "W2")
  corral.spawn("W3", w, "W3")

  corral.sleep(0.001)
  corral.with(cond, function()
    cond:notify(2)
    log("notified 2")
  end)
  corral.sleep(0.001)
  corral.with(cond, function()
    cond:notify_all()
    log("notified all")
  end)
  corral.sleep(0.001)
  -- X: async with cond: log("X waiting")
  --      try: await cond.wait() except Cancelled: log("X cancelled owns lock=" + ...); raise
  local x = corral.spawn("X", function()
    corral.with(cond, function()
      log("X waiting")
      local ok, err = pcall(cond.wait, cond)
      if not ok then
        if corral.is_cancelled(err) then
          log("X cancelled owns lock=" .. tostring(cond:locked() and cond:lock():owner() == corral.current()))
        end
        error(err, 0)
      end
    end)
  end)
  corral.sleep(0.001)
  corral.with(cond, function()
    x:cancel()
    log("cancelled X")
    corral.sleep(0.001) -- X cannot resume while main holds the lock
  end)
  local ok, err = pcall(x.join, x)
  if ok or corral.kind(err) ~= "TaskCancelled" then error("X should be cancelled", 0) end
end)

-- spine_demo.lua - the spine demo (examples/spine_demo.c) in Lua, on the REAL clock (~0.1 s).
--
--   bash examples/lua/run.sh [build-dir]          (Lua 5.4 and LuaJIT)
--
-- main opens a group "workers" and spawns five tasks into it:
--   producer  sleeps 30 ms, then resolves a future with 42
--   consumer  awaits that future inside fail_after(80 ms) and returns its value
--   sleeper   sleeps 1 s inside move_on_after(50 ms) (absorbed: it just moves on), then
--             1 s inside fail_after(20 ms) (raises Timeout, which it handles)
--   guard     sleeps 60 ms inside a shield; main cancels it at 30 ms: the shield holds, and
--             the first checkpoint after the shield delivers the (still pending) cancellation
--   ticker    ticks every 25 ms until main closes the group, which cancels it
-- On Lua 5.4 the group is a to-be-closed variable; the same code with corral.with runs on
-- LuaJIT. Every line printed during the run is a trace line "<ms> <actor> <event> [detail]".
local corral = require "corral"
local say = corral.log

local function producer(answer)
  corral.sleep(0.030)
  say("resolving the future with 42")
  answer:set_result(42)
end

local function consumer(answer)
  local _, v = corral.fail_after(0.080, function() return answer:await() end)
  say("the future gave " .. v)
  return v
end

local function sleeper()
  local s = corral.move_on_after(0.050, function() corral.sleep(1) end)
  say("move_on_after(50 ms): moved on, cancelled_caught=" .. tostring(s.cancelled_caught))
  local ok, err = pcall(corral.fail_after, 0.020, function() corral.sleep(1) end)
  if ok or err.kind ~= "Timeout" then error(err, 0) end
  say("fail_after(20 ms): " .. tostring(err) .. ", handled")
end

local function guard()
  corral.shield(function()
    say("shielded cleanup: 60 ms that must not be interrupted")
    corral.sleep(0.060)
  end)
  say("cleanup finished; cancel pending=" .. tostring(corral.cancel_pending()))
  corral.checkpoint() -- raises Cancelled: the task ends "cancelled"
end

local function ticker()
  for n = 1, math.huge do
    corral.sleep(0.025) -- raises Cancelled once the group closes
    say("tick " .. n)
  end
end

local function main()
  -- corral.with(obj, fn) closes obj when fn ends, like `local workers <close> = ...` on 5.4;
  -- for a group, closing means async_close(cancel=true) as shielded cleanup.
  return corral.with(corral.group("workers"), function(workers)
    local answer = corral.future()
    workers:spawn("producer", producer, answer)
    local cons = workers:spawn("consumer", consumer, answer)
    local slp = workers:spawn("sleeper", sleeper)
    local grd = workers:spawn("guard", guard)
    workers:spawn("ticker", ticker)
    say("spawned 5 workers into group 'workers' (they start at the next tick)")

    corral.sleep(0.030)
    say("cancelling guard (it is inside its shield)")
    grd:cancel()

    say("join consumer: " .. cons:join())
    slp:join()
    say("join sleeper: ok")
    local ok, err = pcall(grd.join, grd)
    say("join guard: " .. corral.kind(err)) -- TaskCancelled
    say("closing the group with cancel: ticker is cancelled")
  end)
end

print(string.format("corral %s (%s) - spine demo on the real clock (trace: <ms> <actor> <event>)",
  corral.core.version_string(), jit and jit.version or _VERSION))
io.stdout:flush()
local t0 = os.clock()
local ok, err = pcall(corral.run, { trace = true }, main)
io.stdout:flush()
if not ok then
  io.stderr:write("spine_demo.lua: " .. tostring(err) .. "\n")
  os.exit(1)
end
print(string.format("run finished: ok (%.1f ms of CPU)", (os.clock() - t0) * 1000))

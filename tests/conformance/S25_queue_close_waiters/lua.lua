-- S25 - Queue close with parked putters and getters (R60-R63).
local corral = require "corral"
local log = corral.log

local function catch(kind, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected " .. kind, 0) end
  if corral.kind(err) ~= kind then error(err, 0) end
  return true
end

corral.run({ clock = "virtual", trace = true }, function()
  local q = corral.queue(1)
  q:put_nowait("x")
  local q2 = corral.queue()
  -- P1, P2: try: await q.put(item) except QueueClosed: log("put <item> QueueClosed")
  local function putter(item)
    if catch("QueueClosed", q.put, q, item) then log("put " .. item .. " QueueClosed") end
  end
  -- G1, G2: try: await q2.get() except QueueClosed: log("get QueueClosed")
  local function getter()
    if catch("QueueClosed", q2.get, q2) then log("get QueueClosed") end
  end
  corral.spawn("P1", putter, "y")
  corral.spawn("P2", putter, "z")
  corral.spawn("G1", getter)
  corral.spawn("G2", getter)

  corral.sleep(0.001)
  q:close() -- the parked putters fail, FIFO; "x" stays gettable
  log("get " .. q:get())
  if catch("QueueClosed", q.get, q) then log("get QueueClosed") end
  if catch("QueueClosed", q.put_nowait, q, "w") then log("put_nowait QueueClosed") end

  corral.sleep(0.001)
  q2:close() -- empty: the parked getters fail, FIFO

  corral.sleep(0.001)
  local q3 = corral.queue(1)
  if catch("QueueEmpty", q3.get_nowait, q3) then log("QueueEmpty") end
  q3:put_nowait(1)
  if catch("QueueFull", q3.put_nowait, q3, 2) then log("QueueFull") end
end)

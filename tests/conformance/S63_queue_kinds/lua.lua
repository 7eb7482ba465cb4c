-- S63 - Priority, LIFO and rendezvous queues (R60, R62).
local corral = require "corral"
local log = corral.log

-- "[x, y, ...]" of n get_nowait results
local function drain(q, n)
  local items = {}
  for i = 1, n do items[i] = tostring(q:get_nowait()) end
  return "[" .. table.concat(items, ", ") .. "]"
end

corral.run({ clock = "virtual", trace = true }, function()
  local pq = corral.priority_queue()
  pq:put_nowait("c", 3) -- the priority comes with the item
  pq:put_nowait("a", 1)
  pq:put_nowait("b", 2)
  pq:put_nowait("a2", 1)
  log("priority=" .. drain(pq, 4)) -- smallest first, equal priorities FIFO

  local lq = corral.lifo_queue()
  for i = 1, 3 do lq:put_nowait(i) end
  log("lifo=" .. drain(lq, 3))

  local ch = corral.channel() -- rendezvous: capacity 0
  local ok, err = pcall(ch.put_nowait, ch, "y")
  if not ok and corral.kind(err) == "QueueFull" then log("rendezvous full") end
  -- P: await ch.put("x"); log("put returned")
  corral.spawn("P", function()
    ch:put("x")
    log("put returned")
  end)
  corral.sleep(0.005)
  log("got " .. ch:get()) -- takes P's item directly and completes P first
end)

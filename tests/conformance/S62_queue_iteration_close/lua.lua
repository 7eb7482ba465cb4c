-- S62 - Iterating a queue until it is closed and drained (R60, R61, R63).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local q = corral.queue(2)
  -- C: async for x in q: log("got " + x); log("loop ended")
  local c = corral.spawn("C", function()
    for x in q:iter() do log("got " .. x) end
    log("loop ended")
  end)
  -- P: for i in 1..4: await q.put(i); log("put " + i); q.close(); log("closed")
  local p = corral.spawn("P", function()
    for i = 1, 4 do
      q:put(i)
      log("put " .. i)
    end
    q:close()
    log("closed")
  end)
  c:join()
  p:join()
end)

-- S26 - Direct hand-off, no barging (R60).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local q = corral.queue(1)
  q:put_nowait("a")
  -- P: await q.put("b"); log("put b done")
  local p = corral.spawn("P", function()
    q:put("b")
    log("put b done")
  end)
  local q2 = corral.queue()
  -- G1, G2: log("got " + await q2.get())
  local function getter() log("got " .. q2:get()) end
  local g1 = corral.spawn("G1", getter)
  local g2 = corral.spawn("G2", getter)

  corral.sleep(0.001)
  log("got " .. q:get_nowait()) -- promotes P's "b" into the buffer: P is done putting
  local ok, err = pcall(q.put_nowait, q, "c")
  if not ok and corral.kind(err) == "QueueFull" then log("c QueueFull") end
  q2:put_nowait(1) -- straight to G1
  q2:put_nowait(2) -- straight to G2
  p:join()
  g1:join()
  g2:join()
end)

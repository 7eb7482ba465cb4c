-- S27 run 2 - A getter cancelled after the hand-off keeps its item (R27, R64).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local q = corral.queue()
  -- G1: log("G1 got " + await q.get()); await checkpoint()
  local g1 = corral.spawn("G1", function()
    log("G1 got " .. q:get())
    corral.checkpoint()
  end)
  -- G2: log("G2 got " + await q.get())
  local g2 = corral.spawn("G2", function() log("G2 got " .. q:get()) end)
  corral.sleep(0.001)
  q:put_nowait(5) -- handed to G1: completion wins over the cancel below
  g1:cancel()
  corral.sleep(0.001)
  log("qsize=" .. q:qsize() .. " G2 done=" .. tostring(g2:done()))
end)

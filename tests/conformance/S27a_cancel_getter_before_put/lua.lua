-- S27 run 1 - A getter cancelled before the put loses nothing (R27, R64).
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
  g1:cancel() -- G1 leaves the getters' list: 5 goes to G2
  q:put_nowait(5)
  local ok, err = pcall(g1.join, g1)
  if ok or corral.kind(err) ~= "TaskCancelled" then error("G1 should be cancelled", 0) end
  g2:join()
end)

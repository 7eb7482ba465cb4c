-- S50 - Spawning while a JOIN exit waits, and into a closing group (R44, R49).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  -- Part 1
  corral.task_group(function(tg)
    -- A: await sleep(5); tg.spawn("B", b); log("spawned B")
    tg:spawn("A", function()
      corral.sleep(0.005)
      -- B: await sleep(5); log("B done")
      tg:spawn("B", function()
        corral.sleep(0.005)
        log("B done")
      end)
      log("spawned B")
    end)
    log("body done")
  end)
  log("tg done")
  -- Part 2
  local G = corral.group("G")
  -- C: await sleep(10); log("C finished")
  G:spawn("C", function()
    corral.sleep(0.010)
    log("C finished")
  end)
  G:close(false)
  local ok, err = pcall(G.spawn, G, "D", function() log("D ran") end)
  if not ok and corral.kind(err) == "GroupClosed" then log("spawn rejected") end
  G:wait_closed()
  log("closed")
end)

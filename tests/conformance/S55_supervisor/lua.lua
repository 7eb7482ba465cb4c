-- S55 - Supervisor (aiotools): failures go to the handler chain, a body error cancels
-- (R52, R55, R49).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true, log = false }, function()
  -- Part 1
  corral.supervisor(function(sv)
    -- A: await sleep(5); raise ValueError("a")
    sv:spawn("A", function()
      corral.sleep(0.005)
      error(corral.error("ValueError", "a"), 0)
    end)
    -- B: await sleep(10); log("B finished")
    sv:spawn("B", function()
      corral.sleep(0.010)
      log("B finished")
    end)
    corral.sleep(0.001)
    log("body done")
  end)
  log("exit 1")
  -- Part 2
  local ok, err = pcall(corral.supervisor, function(sv)
    -- C: try: await sleep(100) except Cancelled: log("C cancelled"); raise
    sv:spawn("C", function()
      local ok2, e = pcall(corral.sleep, 0.100)
      if not ok2 then
        if corral.is_cancelled(e) then log("C cancelled") end
        error(e, 0)
      end
    end)
    corral.sleep(0.001)
    error(corral.error("ValueError", "body"), 0)
  end)
  if not ok and corral.kind(err) == "ValueError" then log("body error propagated") end
end)

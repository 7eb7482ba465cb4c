-- S36 - Spawning inside an already-cancelled outer scope (R13, R44, R49).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local cs = corral.cancel_scope(function(scope)
    scope:cancel()
    corral.task_group(function(tg)
      -- C: log("C start"); await checkpoint(); log("unreachable")
      tg:spawn("C", function()
        log("C start")
        corral.checkpoint()
        log("unreachable")
      end)
      log("body")
    end) -- waits for C, then a cancel point
  end)
  log("cs caught=" .. tostring(cs.cancelled_caught))
end)

-- S74 - shutdown() of an entered PersistentTaskGroup (R52, R42, R49).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  corral.persistent_task_group({ name = "P" }, function(pg)
    -- W1: try: await sleep(100) except Cancelled: log("W1 cancelled"); raise
    pg:spawn("W1", function()
      local ok, e = pcall(corral.sleep, 0.100)
      if not ok then
        log("W1 cancelled")
        error(e, 0)
      end
    end)
    -- W2: try: await sleep(100) except Cancelled: shielded sleep(2); log("W2 cleanup"); raise
    pg:spawn("W2", function()
      local ok, e = pcall(corral.sleep, 0.100)
      if not ok then
        corral.shield(function() corral.sleep(0.002) end)
        log("W2 cleanup")
        error(e, 0)
      end
    end)
    corral.sleep(0.005)
    log("shutdown")
    pg:shutdown()
    log("shutdown returned")
    log("open=" .. tostring(pg:is_open()) .. " size=" .. pg:size())
    pg:spawn("X", function() log("X ran") end)
    log("spawn ok")
    corral.sleep(0.001)
    log("body end")
  end)
  log("after")
end)

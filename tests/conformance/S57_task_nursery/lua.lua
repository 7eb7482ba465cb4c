-- S57 - TaskNursery (codestare): exit callbacks run by its sentinel, name registry
-- (R52, R66, R67).
local corral = require "corral"
local log = corral.log

-- cleanup(tag): await sleep(1); log(tag + " cleaned")
local function cleanup(tag)
  corral.sleep(0.001)
  log(tag .. " cleaned")
end

-- say(tag): log(tag)
local function say(tag)
  log(tag)
end

corral.run({ clock = "virtual", trace = true }, function()
  local n = corral.task_nursery({ name = "N" })
  n:push_async_callback(cleanup, "c1")
  n:push_callback(say, "c2")
  -- T: try: await sleep(100) except Cancelled: log("T cancelled"); raise
  n:create_task("T", function()
    local ok, err = pcall(corral.sleep, 0.100)
    if not ok then
      if corral.is_cancelled(err) then log("T cancelled") end
      error(err, 0)
    end
  end)
  log("registry=" .. tostring(corral.TaskNursery.registry["N"] == n))
  corral.sleep(0.005)
  n:aclose()
  log("closed=" .. tostring(n:is_closed()))
end)

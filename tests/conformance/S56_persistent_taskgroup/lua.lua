-- S56 - PersistentTaskGroup used as an object: listing and shutdown() (R52, R42, R48).
local corral = require "corral"
local log = corral.log

local function names(groups)
  local out = {}
  for i, g in ipairs(groups) do out[i] = g:name() end
  return corral.repr(out)
end

corral.run({ clock = "virtual", trace = true, log = false }, function()
  local pg = corral.persistent_task_group({ name = "P" })
  -- W1: try: await sleep(100) except Cancelled: log("W1 cancelled"); raise
  pg:spawn("W1", function()
    local ok, err = pcall(corral.sleep, 0.100)
    if not ok then
      if corral.is_cancelled(err) then log("W1 cancelled") end
      error(err, 0)
    end
  end)
  -- W2: await sleep(5); raise ValueError("f")
  pg:spawn("W2", function()
    corral.sleep(0.005)
    error(corral.error("ValueError", "f"), 0)
  end)
  log("live=" .. names(corral.all_persistent_groups()))
  corral.sleep(0.010)
  pg:shutdown()
  log("live after=" .. names(corral.all_persistent_groups()))
end)

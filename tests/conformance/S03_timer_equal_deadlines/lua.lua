-- S03 - Timer ordering with equal deadlines (R6, R10).
local corral = require "corral"

-- await sleep(<ms>); log("woke")
local function sleeper(ms)
  corral.sleep(ms / 1000)
  corral.log("woke")
end

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", sleeper, 10)
  local b = corral.spawn("B", sleeper, 5)
  local c = corral.spawn("C", sleeper, 10)
  pcall(a.join, a)
  pcall(b.join, b)
  pcall(c.join, c)
end)

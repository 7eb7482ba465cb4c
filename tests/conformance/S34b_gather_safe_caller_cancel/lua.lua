-- S34 run 2 - gather_safe, and caller cancellation (R59, R71).
local corral = require "corral"
local log = corral.log

-- x: await sleep(5); return 1   y: await sleep(3); raise ValueError("y")   z: await sleep(1); return 3
local function x() corral.sleep(0.005); return 1 end
local function y() corral.sleep(0.003); error(corral.error("ValueError", "y"), 0) end
local function z() corral.sleep(0.001); return 3 end

corral.run({ clock = "virtual", trace = true }, function()
  local w = corral.spawn("W", corral.gather_safe, { x, y, z }, { names = { "gx", "gy", "gz" } })
  corral.sleep(0.002)
  w:cancel()
  local ok, err = pcall(w.join, w)
  if not ok then log("join " .. corral.kind(err)) end
end)

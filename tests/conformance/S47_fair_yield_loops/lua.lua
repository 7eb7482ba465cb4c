-- S47 - Yielding loops interleave fairly (R5).
local corral = require "corral"

-- for i in 0..2: log(<name> + i); await checkpoint()
local function looper()
  local name = corral.current():name()
  for i = 0, 2 do
    corral.log(name .. i)
    corral.checkpoint()
  end
end

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", looper)
  local b = corral.spawn("B", looper)
  pcall(a.join, a)
  pcall(b.join, b)
end)

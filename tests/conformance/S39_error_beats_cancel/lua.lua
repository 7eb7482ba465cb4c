-- S39 - An error beats a pending cancellation (R14, R33, R54).
local corral = require "corral"
local log = corral.log

-- work(): await sleep(20); raise ValueError("w")   (runs inline in the caller)
local function work()
  corral.sleep(0.020)
  error(corral.error("ValueError", "w"), 0)
end

corral.run({ clock = "virtual", trace = true, log = false }, function()
  -- A (root group): await uncancellable(work(), raise_cancel=True)
  local a = corral.spawn("A", function() corral.uncancellable(work, true) end)
  corral.sleep(0.005)
  a:cancel()
  local ok, err = pcall(a.join, a)
  if not ok then log("join " .. tostring(err)) end
end)

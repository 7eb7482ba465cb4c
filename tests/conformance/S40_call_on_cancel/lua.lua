-- S40 - call_on_cancel runs fn shielded, with keyword arguments (R73, R66).
-- Lua's keyword arguments are a trailing options table, passed through unchanged.
local corral = require "corral"
local log = corral.log

-- fn(x, tag): await sleep(5); log("fn " + x + " " + tag); return x
local function fn(x, kw)
  corral.sleep(0.005)
  log("fn " .. x .. " " .. kw.tag)
  return x
end

corral.run({ clock = "virtual", trace = true }, function()
  local G = corral.group("G")
  local T = G:spawn("T", corral.call_on_cancel, fn, 123, { tag = "k" })
  corral.sleep(0.010)
  G:async_close()
  log("T result=" .. T:join())
end)

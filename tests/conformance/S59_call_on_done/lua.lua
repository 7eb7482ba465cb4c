-- S59 - call_on_done and call (R73, R21).
-- Lua's keyword arguments are a trailing options table, passed through unchanged.
local corral = require "corral"
local log = corral.log

-- report(x, tag): log("report " + x + " " + tag); return x
local function report(x, kw)
  log("report " .. x .. " " .. kw.tag)
  return x
end

local function double(x) return 2 * x end
local function adouble(x) -- its "async" form: returns an awaitable, which call awaits
  local f = corral.future()
  f:set_result(2 * x)
  return f
end

corral.run({ clock = "virtual", trace = true }, function()
  local f, g = corral.future(), corral.future()
  local D = corral.spawn("D", corral.call_on_done, f, report, "x", { tag = "t" })
  local E = corral.spawn("E", corral.call_on_done, g, report, "y", { tag = "u" })
  corral.sleep(0.002)
  f:set_error(corral.error("ValueError", "ignored"))
  log("D=" .. D:join())
  corral.sleep(0.003)
  E:cancel()
  pcall(E.join, E)
  log("E cancelled g pending=" .. tostring(g:pending()))
  log("call=" .. corral.call(double, 21) .. "," .. corral.call(adouble, 21))
end)

-- S35 - as_completed_safe with early break (R71).
-- Lua 5.4 leaves the generic for through its to-be-closed fourth value; LuaJIT has none, so
-- this program uses the callback form, which both run: the body returning a value stops it.
local corral = require "corral"
local log = corral.log

local function p() corral.sleep(0.010); return "p" end
local function q() corral.sleep(0.005); return "q" end
local function r() corral.sleep(0.020); return "r" end

corral.run({ clock = "virtual", trace = true }, function()
  -- async for h in as_completed_safe([p, q, r]): log("first=" + await h); break
  corral.as_completed_safe({ p, q, r }, { names = { "ap", "aq", "ar" } }, function(h)
    log("first=" .. h:join())
    return true -- break
  end)
  log("after loop")
end)

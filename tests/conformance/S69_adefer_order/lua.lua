-- S69 - adefer order with an async and a sync callback (R67, R66).
local corral = require "corral"
local log = corral.log

-- note(name): log("deferred " + name)   (a plain callable)
local function note(name) log("deferred " .. name) end
-- anote(name): await sleep(5); log("deferred " + name)
local function anote(name)
  corral.sleep(0.005)
  log("deferred " .. name)
end

local A = corral.adefer(function(defer)
  defer(note, "first")
  defer(anote, "second")
  defer(note, "third")
  log("body")
  corral.sleep(0.010)
end)

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", A)
  corral.sleep(0.003)
  a:cancel()
  local ok, err = pcall(a.join, a)
  log("join " .. (ok and "ok" or corral.kind(err)))
end)

-- S68 - Context group with one failing exit (R69, R67).
local corral = require "corral"
local log = corral.log

local function kinds(eg)
  local parts = {}
  for i, e in ipairs(eg.errors) do parts[i] = tostring(e) end
  return "[" .. table.concat(parts, ", ") .. "]"
end

-- cm1: enter log("cm1 entered"), value "v1"; exit await sleep(2); log("cm1 exited")
local cm1 = {
  enter = function() log("cm1 entered"); return "v1" end,
  exit = function() corral.sleep(0.002); log("cm1 exited") end,
}
-- cm2: enter await sleep(1), value "v2"; exit await sleep(1); raise ValueError("x2")
local cm2 = {
  enter = function() corral.sleep(0.001); return "v2" end,
  exit = function() corral.sleep(0.001); error(corral.error("ValueError", "x2"), 0) end,
}
-- cm3: enter value "v3"; exit log("cm3 exited")
local cm3 = {
  enter = function() return "v3" end,
  exit = function() log("cm3 exited") end,
}

corral.run({ clock = "virtual", trace = true }, function()
  local g = corral.actxgroup({ cm1, cm2, cm3 }, { enter_prefix = "e", exit_prefix = "x" })
  local ok, err = pcall(corral.with, g, function(values)
    log("body " .. table.concat(values, ",", 1, values.n))
  end)
  if not ok then
    assert(corral.kind(err) == "ErrorGroup", "expected an ErrorGroup")
    log("eg=" .. kinds(err))
  end
  local states = g:exit_states()
  local parts = {}
  for i = 1, states.n do parts[i] = states[i] == nil and "none" or tostring(states[i]) end
  log("states=" .. table.concat(parts, ","))
end)

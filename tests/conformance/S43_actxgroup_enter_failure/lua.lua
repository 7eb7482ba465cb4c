-- S43 - actxgroup strict enter failure (R69).
-- A context manager is any value with enter(self) and exit(self, err) methods.
local corral = require "corral"
local log = corral.log

local function kinds(eg)
  local parts = {}
  for i, e in ipairs(eg.errors) do parts[i] = tostring(e) end
  return "[" .. table.concat(parts, ", ") .. "]"
end

-- cm1: enter await sleep(2); log("cm1 entered"), exit log("cm1 exited")
local cm1 = {
  enter = function() corral.sleep(0.002); log("cm1 entered") end,
  exit = function() log("cm1 exited") end,
}
-- cm2: enter await sleep(1); raise ValueError("cm2")
local cm2 = {
  enter = function() corral.sleep(0.001); error(corral.error("ValueError", "cm2"), 0) end,
  exit = function() log("cm2 exited") end,
}
-- cm3: enter log("cm3 entered") then yields "v3", exit log("cm3 exited")
local cm3 = {
  enter = function() log("cm3 entered"); return "v3" end,
  exit = function() log("cm3 exited") end,
}

corral.run({ clock = "virtual", trace = true }, function()
  local ok, err = pcall(corral.with,
    corral.actxgroup({ cm1, cm2, cm3 }, { enter_prefix = "e", exit_prefix = "x" }),
    function() log("body") end)
  assert(not ok and corral.kind(err) == "ErrorGroup", "expected an ErrorGroup")
  log("eg=" .. kinds(err))
end)

-- S53 - race where every member fails, and an empty race (R70, R59).
local corral = require "corral"
local log = corral.log

local function fail(seconds, m)
  return function()
    corral.sleep(seconds)
    error(corral.error("ValueError", m), 0)
  end
end

corral.run({ clock = "virtual", trace = true }, function()
  local a, b, c = fail(0.005, "a"), fail(0.002, "b"), fail(0.008, "c")
  local ok, eg = pcall(corral.race, { a, b, c },
    { continue_on_error = true, names = { "ra", "rb", "rc" } })
  if not ok and corral.kind(eg) == "ErrorGroup" then log("race eg=" .. corral.repr(eg.errors)) end
  local ok2, err = pcall(corral.race, {})
  if not ok2 and corral.kind(err) == "InvalidArgument" then log("empty rejected") end
end)

-- S17 - Two failures in one tick: both are kept (R27, R53, R54).
local corral = require "corral"
local log = corral.log

-- A and B: await sleep(10); raise ValueError(<name>)
local function fail(name)
  corral.sleep(0.010)
  error(corral.error("ValueError", name), 0)
end

corral.run({ clock = "virtual", trace = true }, function()
  local ok, err = pcall(corral.task_group, function(tg)
    tg:spawn("A", fail, "a")
    tg:spawn("B", fail, "b")
    corral.sleep(0.100)
  end)
  assert(not ok and corral.kind(err) == "ErrorGroup", "expected an ErrorGroup")
  local parts = {}
  for i, e in ipairs(err.errors) do parts[i] = tostring(e) end
  log("eg=[" .. table.concat(parts, ", ") .. "]")
end)

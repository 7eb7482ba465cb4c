-- S71 - A task that fails with its group's ErrorGroup (R54, R77).
local corral = require "corral"
local log = corral.log

-- "[ValueError:v, ...]": the members of an ErrorGroup
local function members(eg)
  local parts = {}
  for i, e in ipairs(eg.errors) do parts[i] = tostring(e) end
  return "[" .. table.concat(parts, ", ") .. "]"
end

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    corral.task_group(function(tg)
      tg:spawn("m", function() error(corral.error("ValueError", "v"), 0) end)
    end)
  end)
  local ok, err = pcall(a.join, a)
  assert(not ok and corral.kind(err) == "ErrorGroup", "expected an ErrorGroup")
  log("join " .. members(err))
end)

-- S73 - A body's error is a member of its group's ErrorGroup, not its context (R54, R77).
local corral = require "corral"
local log = corral.log

-- "[ValueError:body, ...]": the members of an ErrorGroup
local function members(eg)
  local parts = {}
  for i, e in ipairs(eg.errors) do parts[i] = tostring(e) end
  return "[" .. table.concat(parts, ", ") .. "]"
end

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    corral.task_group(function(tg)
      tg:spawn("m", function()
        corral.sleep(0.005)
        log("unreachable")
      end)
      error(corral.error("ValueError", "body"), 0)
    end)
  end)
  local ok, err = pcall(a.join, a)
  assert(not ok and corral.kind(err) == "ErrorGroup", "expected an ErrorGroup")
  log("join " .. members(err))
end)

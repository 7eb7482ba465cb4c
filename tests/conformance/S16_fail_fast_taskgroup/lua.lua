-- S16 - Fail-fast TaskGroup (R49, R53, R54).
local corral = require "corral"
local log = corral.log

-- "[ValueError:a, ...]": the members of an ErrorGroup, from their own Lua error values
local function members(eg)
  local parts = {}
  for i, e in ipairs(eg.errors) do parts[i] = tostring(e) end
  return "[" .. table.concat(parts, ", ") .. "]"
end

corral.run({ clock = "virtual", trace = true }, function()
  local ok, err = pcall(corral.task_group, function(tg)
    -- A: await sleep(10); raise ValueError("a")
    tg:spawn("A", function()
      corral.sleep(0.010)
      error(corral.error("ValueError", "a"), 0)
    end)
    -- B: try: await sleep(100) except Cancelled: log("B cancelled"); raise
    tg:spawn("B", function()
      local ok2, e = pcall(corral.sleep, 0.100)
      if not ok2 then
        if corral.is_cancelled(e) then log("B cancelled") end
        error(e, 0)
      end
    end)
    local ok3, e = pcall(corral.sleep, 0.050)
    if not ok3 then
      if corral.is_cancelled(e) then log("body cancelled") end
      error(e, 0)
    end
  end)
  assert(not ok and corral.kind(err) == "ErrorGroup", "expected an ErrorGroup")
  log("eg=" .. members(err))
end)

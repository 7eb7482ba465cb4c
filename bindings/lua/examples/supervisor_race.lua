-- supervisor_race.lua - groups and helpers in one small program (virtual clock: instant, the
-- same output every run, and the same trace as bindings/python/examples/supervisor_race.py).
--
--   * A supervisor runs two workers. Worker "flaky" fails twice; the supervisor's exception
--     callback restarts it each time while its sibling keeps running (a fail-fast task_group
--     would have cancelled them all).
--   * corral.race asks three mirrors for a file: the fastest answer wins, the slower mirrors
--     are cancelled and awaited before race returns; a mirror that fails first does not stop
--     the race (continue_on_error).
--   * corral.gather_safe runs health checks and returns each value or error, in input order.
--
-- Every line printed is a trace line "<ms> <actor> <event> [detail]".
--
--   LUA_PATH="bindings/lua/?.lua;bindings/lua/?/init.lua;;" \
--   LUA_CPATH_5_4="build/bindings/lua/lua5.4/?.so;;" lua5.4 bindings/lua/examples/supervisor_race.lua
--   (LuaJIT: LUA_CPATH="build/bindings/lua/luajit/?.so;;" luajit ...)
local corral = require "corral"
local log = corral.log

local MS = 0.001

local function worker(name, period, rounds)
  for i = 0, rounds - 1 do
    corral.sleep(period * MS)
    log(name .. " round " .. i)
  end
  return name
end

local function flaky(attempt)
  corral.sleep(4 * MS)
  if attempt < 2 then error(corral.error("ConnectionError", "attempt " .. attempt), 0) end
  log("flaky connected")
end

local function mirror(name, delay, ok)
  return function()
    local slept, err = pcall(corral.sleep, delay * MS)
    if not slept then
      log(name .. " cancelled")
      error(err, 0)
    end
    if ok == false then error(corral.error("OSError", name .. " unreachable"), 0) end
    return "file from " .. name
  end
end

local function check(name, healthy)
  return function()
    corral.sleep(1 * MS)
    if not healthy then error(corral.error("RuntimeError", name .. " down"), 0) end
    return name .. " ok"
  end
end

corral.run({ clock = "virtual", trace = true }, function()
  local attempts = 0
  corral.supervisor({ name = "workers" }, function(sv)
    sv:set_exception_cb(function(err, task)
      log("restarting after " .. err.kind .. ": " .. err.msg)
      attempts = attempts + 1
      sv:spawn("flaky#" .. attempts, flaky, attempts)
    end, "supervisor")
    sv:spawn("steady", worker, "steady", 5, 3)
    sv:spawn("flaky#0", flaky, 0)
  end)

  local value, errors = corral.race({ mirror("m1", 30), mirror("m2", 10, false), mirror("m3", 20) },
    { continue_on_error = true, names = { "m1", "m2", "m3" } })
  local texts = {}
  for i, e in ipairs(errors) do texts[i] = "'" .. e.msg .. "'" end
  log("race: " .. value .. "; errors before the winner: [" .. table.concat(texts, ", ") .. "]")

  local results, ok = corral.gather_safe({ check("db", true), check("cache", false) },
    { names = { "db-check", "cache-check" } })
  local parts = {}
  for i = 1, results.n do parts[i] = ok[i] and results[i] or ("error " .. results[i].msg) end
  log("checks: " .. table.concat(parts, ", "))
end)

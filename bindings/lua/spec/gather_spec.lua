-- corral.gather_safe and corral.as_completed_safe (aiotools, R59, R71, R77).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

local function after(seconds, v)
  return function() corral.sleep(seconds); return v end
end

-- A member that records when it was cancelled.
local function watched(log, name)
  return function()
    local ok, e = pcall(corral.sleep, 1)
    log[#log + 1] = name .. " cancelled at " .. H.ms()
    error(e, 0)
  end
end

describe("gather_safe", function()
  it("values and error values in input order after all finished; ok flags (S34)", function()
    vrun(function()
      local E = corral.error("ValueError", "y")
      local r, ok = corral.gather_safe({ after(0.005, 1), function() corral.sleep(0.003); error(E, 0) end,
        after(0.001, 3) })
      assert.equals(3, r.n)
      assert.equals(1, r[1])
      assert.equals(E, r[2])
      assert.equals(3, r[3])
      assert.same({ true, false, true }, ok)
      assert.equals("[1, ValueError:y, 3]", corral.repr(r))
      assert.equals(5, H.ms())
      assert.equals(0, corral.unhandled_count()) -- errors as values are consumed (R59)
    end)
  end)

  it("a nil value keeps its place (results.n)", function()
    vrun(function()
      local r, ok = corral.gather_safe({ function() end, after(0, 2) })
      assert.equals(2, r.n)
      assert.is_nil(r[1])
      assert.same({ true, true }, ok)
    end)
  end)

  it("caller cancellation cancels and awaits the members, then Cancelled", function()
    vrun(function()
      local log = {}
      local w = corral.spawn(corral.gather_safe, { watched(log, "a"), watched(log, "b") })
      corral.sleep(0.002)
      w:cancel()
      H.assert_error("TaskCancelled", {}, w.join, w)
      assert.same({ "a cancelled at 2", "b cancelled at 2" }, log)
    end)
  end)

  it("names members from opts.names, else gather_safe.<index>", function()
    vrun(function()
      local function me() return corral.current():name() end
      local r = corral.gather_safe({ me, me }, { names = { "first" } })
      assert.same({ "first", "gather_safe.1" }, { r[1], r[2] })
      assert.same({ n = 0 }, (corral.gather_safe({})))
      -- more names than functions is an error, as in Python and Rust
      H.assert_error("InvalidArgument", { "gather_safe" }, corral.gather_safe, { me }, { names = { "a", "b" } })
    end)
  end)

  it("bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.gather_safe", "fns[1]" }, corral.gather_safe, { "x" })
      H.assert_error("InvalidArgument", { "corral.gather_safe", "opts" }, corral.gather_safe, {}, 3)
      H.assert_error("InvalidArgument", { "corral.gather_safe", "unknown key" }, corral.gather_safe, {},
        { continue_on_error = true })
    end)
  end)

  it("inside its members current_taskgroup() is the caller's group (the helper's is skipped)", function()
    vrun(function()
      corral.task_group(function(tg)
        local r = corral.gather_safe({ function() return corral.current_taskgroup() == tg end })
        assert.is_true(r[1])
      end)
      local r = corral.gather_safe({ function() return corral.current_taskgroup() end })
      assert.is_nil(r[1]) -- called from a root member
    end)
  end)
end)

describe("as_completed_safe", function()
  it("callback form: tasks in completion order; a value stops it after cancelling the rest", function()
    vrun(function()
      local log = {}
      local v = corral.as_completed_safe({ after(0.010, "p"), after(0.005, "q"), watched(log, "r") },
        function(t)
          log[#log + 1] = "got " .. t:join()
          return "stop"
        end)
      log[#log + 1] = "after"
      assert.equals("stop", v)
      assert.same({ "got q", "r cancelled at 5", "after" }, log)
    end)
  end)

  it("callback form: runs to the end when the body returns nothing", function()
    vrun(function()
      local got = {}
      local r = corral.as_completed_safe({ after(0.003, 3), after(0.001, 1), after(0.002, 2) }, {},
        function(t) got[#got + 1] = t:join() end)
      assert.is_nil(r)
      assert.same({ 1, 2, 3 }, got)
    end)
  end)

  it("callback form: a body error cancels and awaits the rest, then propagates", function()
    vrun(function()
      local log = {}
      local e = H.raises(corral.as_completed_safe, { after(0, 0), watched(log, "w") }, function()
        error("body", 0)
      end)
      assert.equals("body", e)
      assert.same({ "w cancelled at 0" }, log)
    end)
  end)

  it("for loop with the closer: closer:close() leaves early (LuaJIT's form)", function()
    vrun(function()
      local log = {}
      local iter, state, ctl, closer = corral.as_completed_safe({ watched(log, "a"), after(0.001, "b") })
      for t in iter, state, ctl do
        log[#log + 1] = t:join()
        break
      end
      closer:close()
      log[#log + 1] = "after"
      assert.same({ "b", "a cancelled at 1", "after" }, log)
    end)
  end)

  it("for loop to the end needs no close", function()
    vrun(function()
      local got = {}
      for t in corral.as_completed_safe({ after(0.002, 2), after(0.001, 1) }) do got[#got + 1] = t:join() end
      assert.same({ 1, 2 }, got)
      assert.is_nil(corral.current_taskgroup()) -- the internal group was left
    end)
  end)

  it("unjoined failures are taken by the loop: not reported", function()
    vrun(function()
      for _ in corral.as_completed_safe({ function() error("x", 0) end }) do end
      corral.checkpoint()
      assert.equals(0, corral.unhandled_count())
    end)
  end)

  it("bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.as_completed_safe", "fns" }, corral.as_completed_safe, 1)
      H.assert_error("InvalidArgument", { "corral.as_completed_safe", "fn" }, corral.as_completed_safe,
        {}, {}, 5)
    end)
  end)
end)

local d = H.LUA54 and describe or pending
d("as_completed_safe in a generic for (Lua 5.4 to-be-closed)", function()
  local function lua54(src)
    return assert(load(src, "=<for>", "t", setmetatable({ corral = corral, H = H, after = after,
      watched = watched }, { __index = _G })))()
  end

  it("break cancels and awaits the rest before control leaves the loop (S35)", function()
    local log = lua54([[
      local log = {}
      H.vrun(function()
        for t in corral.as_completed_safe({ after(0.010, "p"), after(0.005, "q"), watched(log, "r") }) do
          log[#log + 1] = "first=" .. t:join()
          break
        end
        log[#log + 1] = "after loop"
      end)
      return log
    ]])
    assert.same({ "first=q", "r cancelled at 5", "after loop" }, log)
  end)

  it("an error in the loop body cancels and awaits the rest, then propagates", function()
    local log = lua54([[
      local log = {}
      H.vrun(function()
        local ok, e = pcall(function()
          for t in corral.as_completed_safe({ after(0, 1), watched(log, "w") }) do error("inside", 0) end
        end)
        log[#log + 1] = "caught " .. e
      end)
      return log
    ]])
    assert.same({ "w cancelled at 0", "caught inside" }, log)
  end)

  it("a cancelled caller leaves the loop after the members ended", function()
    local log = lua54([[
      local log = {}
      H.vrun(function()
        local t = corral.spawn(function()
          for _ in corral.as_completed_safe({ watched(log, "m") }) do end
          log[#log + 1] = "unreachable"
        end)
        corral.sleep(0.003)
        t:cancel()
        pcall(t.join, t)
        log[#log + 1] = "joined at " .. H.ms()
      end)
      return log
    ]])
    assert.same({ "m cancelled at 3", "joined at 3" }, log)
  end)
end)

-- corral.race (aiotools race, R70, R59, R77).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

local function after(seconds, v)
  return function() corral.sleep(seconds); return v end
end
local function fail_after(seconds, e)
  return function() corral.sleep(seconds); error(e, 0) end
end

describe("race", function()
  it("the first member to complete wins; the others are cancelled and awaited", function()
    vrun(function()
      local cleaned_at
      local slow = function()
        local ok, e = pcall(corral.sleep, 1)
        corral.shield(function() corral.sleep(0.003) end)
        cleaned_at = H.ms()
        error(e, 0)
      end
      local v, errs = corral.race({ after(0.010, "a"), after(0.005, "b"), slow })
      assert.equals("b", v)
      assert.same({}, errs)
      assert.equals(8, cleaned_at) -- awaited before race returned
      assert.equals(8, H.ms())
    end)
  end)

  it("returns the winner's very Lua value", function()
    vrun(function()
      local t = { "mine" }
      assert.equals(t, (corral.race({ function() return t end })))
    end)
  end)

  it("without continue_on_error the first failure is raised, the rest cancelled", function()
    vrun(function()
      local E = corral.error("ValueError", "b")
      local cancelled = false
      local e = H.raises(corral.race, {
        fail_after(0.002, E),
        function()
          local ok, err = pcall(corral.sleep, 1)
          cancelled = corral.is_cancelled(err)
          error(err, 0)
        end,
      })
      assert.equals(E, e)
      assert.is_true(cancelled)
      assert.equals(0, corral.unhandled_count()) -- delivered to the caller, not reported (R59)
    end)
  end)

  it("with continue_on_error the failures before the winner are returned", function()
    vrun(function()
      local A, B = corral.error("ValueError", "a"), corral.error("ValueError", "b")
      local v, errs = corral.race({ fail_after(0.002, A), after(0.005, "w"), fail_after(0.001, B) },
        { continue_on_error = true })
      assert.equals("w", v)
      assert.equals(2, #errs)
      assert.equals(B, errs[1])
      assert.equals(A, errs[2])
    end)
  end)

  it("all failing: an ErrorGroup in occurrence order (S53)", function()
    vrun(function()
      local e = H.raises(corral.race, { fail_after(0.005, "a"), fail_after(0.002, "b") },
        { continue_on_error = true })
      assert.equals("ErrorGroup", e.kind)
      assert.same({ "b", "a" }, e.errors)
      assert.equals("[LuaError:b, LuaError:a]", e.msg)
      assert.equals(0, corral.unhandled_count())
    end)
  end)

  it("members are named by opts.names, else race.<index> (0-based)", function()
    vrun(function()
      local seen = {}
      local function me() seen[#seen + 1] = corral.current():name(); corral.sleep(0.001) end
      corral.race({ me, me, me }, { names = { "x", nil, "z" } })
      assert.same({ "x", "race.1", "z" }, seen)
    end)
  end)

  it("losers that fail while being cancelled go to the handler chain", function()
    vrun(function()
      corral.race({ after(0.001, 1), function()
        pcall(corral.sleep, 1)
        error(corral.error("ValueError", "loser"), 0)
      end })
      corral.checkpoint()
      assert.equals(1, corral.unhandled_count())
    end)
    assert.same({ "unhandled error in task race.1: ValueError: loser" }, H.last_log)
  end)

  it("a cancelled caller cancels and awaits the members, then gets Cancelled", function()
    vrun(function()
      local member
      local t = corral.spawn(corral.race, { function()
        local ok, e = pcall(corral.sleep, 1)
        member = H.ms()
        error(e, 0)
      end })
      corral.sleep(0.002)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.equals(2, member)
    end)
  end)

  it("bad input: race({}), non-callables, bad options, outside a task", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.race", "fns" }, corral.race, {})
      H.assert_error("InvalidArgument", { "corral.race", "fns" }, corral.race, nil)
      H.assert_error("InvalidArgument", { "corral.race", "fns[2]", "function expected" }, corral.race,
        { print, 3 })
      H.assert_error("InvalidArgument", { "corral.race", "unknown key" }, corral.race, { print },
        { continue = true })
      H.assert_error("InvalidArgument", { "corral.race", "opts.names[1]" }, corral.race, { print },
        { names = { 1 } })
    end)
    H.assert_error("InvalidState", { "corral.race" }, corral.race, { print })
  end)
end)

-- Scoped task groups (corral.task_group: FAIL_FAST, JOIN; R42, R49, R53, R54).
local corral = require "corral"
local core = require "corral.core"
local H = require "spec.helper"
local vrun = H.vrun

describe("task_group", function()
  it("joins its members and returns the body's results", function()
    vrun(function()
      local done = {}
      local a, b = corral.task_group(function(tg, x)
        tg:spawn("a", function() corral.sleep(0.02); done[#done + 1] = "a" end)
        tg:spawn(function(y) corral.sleep(0.01); done[#done + 1] = y end, "b")
        assert.equals(2, tg:size())
        return x, "two"
      end, "one")
      assert.equals("one", a)
      assert.equals("two", b)
      assert.same({ "b", "a" }, done)
      assert.equals(20, H.ms())
    end)
  end)

  it("a member failure cancels the body and the others; ErrorGroup with the original values", function()
    vrun(function()
      local va = corral.error("ValueError", "a")
      local vb = { custom = true }
      local log = {}
      local e = H.raises(corral.task_group, function(tg)
        tg:spawn("A", function() corral.sleep(0.01); error(va, 0) end)
        tg:spawn("B", function() corral.sleep(0.01); error(vb, 0) end)
        tg:spawn("C", function()
          local ok, err = pcall(corral.sleep, 1)
          log[#log + 1] = ok and "C done" or ("C " .. corral.kind(err))
          if not ok then error(err, 0) end
        end)
        local ok, err = pcall(corral.sleep, 1)
        log[#log + 1] = ok and "body done" or ("body " .. corral.kind(err))
        if not ok then error(err, 0) end
      end)
      assert.equals("ErrorGroup", e.kind)
      assert.equals(core.EERRORGROUP, e.code)
      assert.equals(2, #e.errors)
      assert.equals(va, e.errors[1]) -- the very Lua values
      assert.equals(vb, e.errors[2])
      assert.same({ "body Cancelled", "C Cancelled" }, log)
      assert.equals(10, H.ms())
      assert.matches("ValueError:a", tostring(e), 1, true)
    end)
  end)

  it("a body error is kept in the ErrorGroup and the members are cancelled", function()
    vrun(function()
      local X = { kind = "X", msg = "body" }
      local cancelled = false
      local e = H.raises(corral.task_group, function(tg)
        tg:spawn(function()
          local ok, err = pcall(corral.sleep, 1)
          cancelled = not ok and corral.is_cancelled(err)
          if not ok then error(err, 0) end
        end)
        corral.checkpoint()
        error(X, 0)
      end)
      assert.equals("ErrorGroup", e.kind)
      assert.equals(X, e.errors[1])
      assert.is_true(cancelled)
    end)
  end)

  it("exit is not a cancel point and waits for members even when cancelled (R49)", function()
    vrun(function()
      local log = {}
      local s = corral.cancel_scope(function(scope)
        scope:cancel()
        corral.task_group(function(tg)
          tg:spawn("C", function()
            log[#log + 1] = "C start"
            corral.checkpoint()
            log[#log + 1] = "unreachable"
          end)
          log[#log + 1] = "body"
        end)
        log[#log + 1] = "after exit"
      end)
      assert.is_true(s.cancelled_caught)
      assert.same({ "body", "C start" }, log)
    end)
  end)

  it("cancelling the task cancels its group's members", function()
    vrun(function()
      local member_cancelled = false
      local t = corral.spawn(function()
        corral.task_group(function(tg)
          tg:spawn(function()
            local ok, err = pcall(corral.sleep, 1)
            member_cancelled = corral.is_cancelled(err)
            if not ok then error(err, 0) end
          end)
          corral.sleep(1)
        end)
      end)
      corral.sleep(0.01)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.is_true(member_cancelled)
      assert.equals(10, H.ms())
    end)
  end)

  it("a timeout around the group absorbs its own cancellation", function()
    vrun(function()
      local s = corral.move_on_after(0.05, function()
        corral.task_group(function(tg)
          tg:spawn(corral.sleep, 1)
          corral.sleep(1)
        end)
      end)
      assert.is_true(s.cancelled_caught)
      assert.equals(50, H.ms())
    end)
  end)

  it("rejects spawns after exit and bad arguments; releases its Lua values", function()
    vrun(function()
      local before = corral._debug.host_tokens()
      local saved
      corral.task_group(function(tg) saved = tg end)
      H.assert_error("GroupClosed", {}, saved.spawn, saved, function() end)
      H.assert_error("InvalidArgument", { "corral.task_group" }, corral.task_group, 42)
      -- a body error stays recorded on its task until the task ends: use a child task
      local child = corral.spawn(function()
        local e = H.raises(corral.task_group, function(tg) tg:spawn("x", 42) end)
        assert.equals("ErrorGroup", e.kind) -- the body's error, inside the ErrorGroup
        assert.equals("InvalidArgument", e.errors[1].kind)
        assert.matches("TaskGroup:spawn", e.errors[1].msg, 1, true)
        pcall(corral.task_group, function(tg)
          tg:spawn(function() error({ big = true }, 0) end)
        end)
        pcall(corral.task_group, function() error({ body = true }, 0) end)
      end)
      child:join()
      child, saved = nil, nil
      collectgarbage()
      collectgarbage()
      corral.checkpoint()
      assert.equals(before, corral._debug.host_tokens())
    end)
  end)

  it("outside a task it raises InvalidState", function()
    H.assert_error("InvalidState", {}, corral.task_group, function() end)
  end)

  it("core.error_new_group / error_group_size / error_group_get", function()
    local _, a = core.error_new(core.EUSER, "ValueError", "a")
    local _, b = core.error_new(core.ETIMEOUT, nil, nil)
    local rc, eg = core.error_new_group({ a, b })
    assert.equals(0, rc)
    assert.equals(core.EERRORGROUP, core.error_code(eg))
    assert.equals(2, core.error_group_size(eg))
    assert.equals("ValueError", core.error_kind(core.error_group_get(eg, 0)))
    assert.equals("Timeout", core.error_kind(core.error_group_get(eg, 1)))
    assert.is_nil(core.error_group_get(eg, 2))
    assert.equals(0, core.error_group_size(a))
    assert.has_error(function() core.error_new_group({ a, 1 }) end)
  end)
end)

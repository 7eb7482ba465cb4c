-- Tasks: lazy spawn, names, join, cancel, results, current().
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("tasks", function()
  it("spawn is lazy and FIFO (R7)", function()
    local order = {}
    vrun(function()
      local a = corral.spawn(function() order[#order + 1] = "A" end)
      local b = corral.spawn(function() order[#order + 1] = "B" end)
      order[#order + 1] = "main"
      a:join()
      b:join()
    end)
    assert.same({ "main", "A", "B" }, order)
  end)

  it("passes arguments, nils included", function()
    vrun(function()
      local t = corral.spawn(function(...) return select("#", ...) .. tostring((select(2, ...))) end, nil, 5, nil)
      assert.equals("35", t:join())
      local t2 = corral.spawn("named", function(a, b) return a .. b end, "x", "y")
      assert.equals("xy", t2:join())
    end)
  end)

  it("has names, ids, states", function()
    vrun(function()
      local me = corral.current()
      assert.is_true(corral.is_task(me))
      assert.equals("main", me:name())
      assert.equals(1, me:id())
      local t = corral.spawn(function() corral.sleep(1) end)
      assert.equals("task2", t:name())
      assert.equals("created", t:state())
      assert.is_false(t:done())
      corral.checkpoint()
      assert.equals("parked", t:state())
      assert.is_true(t:cancel())
      assert.is_false(t:cancel()) -- already cancelled
      assert.is_true(t:cancel_pending())
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.equals("cancelled", t:state())
      assert.is_true(t:done())
      assert.is_false(t:cancel()) -- terminal
      assert.matches("corral.Task%(task2%)", tostring(t))
    end)
  end)

  it("joins values of every kind, and the same Lua values", function()
    local tbl = { 1, 2 }
    local fn = function() end
    vrun(function()
      for _, v in ipairs({ 1, -2, 2.5, "s", true, false, tbl, fn }) do
        local t = corral.spawn(function() return v end)
        assert.equals(v, t:join())
        assert.equals(v, t:join()) -- again, terminal
        assert.equals(v, t:result())
      end
      if math.type then
        assert.equals("integer", math.type(corral.spawn(function() return 3 end):join()))
        assert.equals("float", math.type(corral.spawn(function() return 3.0 end):join()))
      end
    end)
  end)

  it("re-raises a task's error to every joiner as the same value", function()
    vrun(function()
      local E = corral.error("ValueError", "x")
      local t = corral.spawn(function() error(E) end)
      assert.equals(E, H.raises(t.join, t))
      assert.equals(E, H.raises(t.join, t))
      assert.equals(E, H.raises(t.result, t))
      local s = corral.spawn(function() error("plain", 0) end)
      assert.equals("plain", H.raises(s.join, s))
      local n = corral.spawn(function() error(17, 0) end)
      assert.equals(17, H.raises(n.join, n))
    end)
  end)

  it("result() tells a task that failed with a TaskCancelled error from a cancelled one (by its state)", function()
    vrun(function()
      local E = corral.error("TaskCancelled", "mine")
      local f = corral.spawn(function() error(E, 0) end)
      assert.equals(E, H.raises(f.join, f))
      assert.equals("failed", f:state())
      assert.equals(E, H.raises(f.result, f))
      local c = corral.spawn(function() corral.sleep(1) end)
      corral.sleep(0)
      c:cancel()
      H.assert_error("TaskCancelled", {}, c.join, c)
      H.assert_error("TaskCancelled", { "Task:result" }, c.result, c)
    end)
  end)

  it("gives InvalidState for result() of a running task and for self-join (R17)", function()
    vrun(function()
      local t = corral.spawn(function() corral.sleep(1) end)
      H.assert_error("InvalidState", { "Task:result" }, t.result, t)
      local me = corral.current()
      H.assert_error("InvalidState", {}, me.join, me)
      t:cancel()
    end)
  end)

  it("joins with a deadline (Timeout) without affecting the target (R16, R41)", function()
    vrun(function()
      local t = corral.spawn(function() corral.sleep(0.05); return "late" end)
      H.assert_error("Timeout", {}, t.join, t, corral.now() + 0.01)
      assert.equals(10, H.ms())
      assert.equals("late", t:join())
      assert.equals(50, H.ms())
      assert.equals("late", corral.join(t))
      assert.equals("late", corral.await(t))
    end)
  end)

  it("cancel_and_join absorbs TaskCancelled and returns a produced value (R14)", function()
    vrun(function()
      local t = corral.spawn(function() corral.sleep(1) end)
      corral.checkpoint()
      assert.is_nil(t:cancel_and_join())
      local u = corral.spawn(function()
        pcall(corral.sleep, 1)
        return "kept"
      end)
      corral.checkpoint()
      assert.equals("kept", u:cancel_and_join())
    end)
  end)

  it("a task cancelled before its first step still runs its body (R13)", function()
    local ran, cleaned = false, false
    vrun(function()
      local t = corral.spawn(function()
        ran = true
        local ok, e = pcall(corral.checkpoint)
        cleaned = true
        if not ok then error(e, 0) end
      end)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
    end)
    assert.is_true(ran and cleaned)
  end)

  it("raising Cancelled without a cancellation is StrayCancellation (R14)", function()
    vrun(function()
      local t = corral.spawn(function() error(corral.error("Cancelled")) end)
      H.assert_error("StrayCancellation", {}, t.join, t)
    end)
  end)

  it("keeps a task running when its handle is dropped (R12)", function()
    local done = false
    vrun(function()
      corral.spawn(function() corral.sleep(0.01); done = true end)
      collectgarbage()
      collectgarbage()
      corral.sleep(0.02)
    end)
    assert.is_true(done)
  end)

  it("reuses coroutines across many tasks", function()
    vrun(function()
      local sum = 0
      for i = 1, 3000 do sum = sum + corral.spawn(function(x) return x end, i):join() end
      assert.equals(3000 * 3001 / 2, sum)
    end)
  end)

  it("runs many concurrent tasks", function()
    vrun(function()
      local ts = {}
      for i = 1, 2000 do ts[i] = corral.spawn(function() corral.sleep(i % 7); return i end) end
      for i = 1, 2000 do assert.equals(i, ts[i]:join()) end
      assert.equals(6, corral.now())
    end)
  end)
end)

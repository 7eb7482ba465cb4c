-- Futures: one-shot results, errors, cancellation, callbacks.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("futures", function()
  it("deliver a result to every waiter (R19, R21)", function()
    vrun(function()
      local f = corral.future()
      assert.equals("pending", f:state())
      assert.is_true(f:pending())
      local a = corral.spawn(function() return f:await() end)
      local b = corral.spawn(function() return corral.await(f) end)
      corral.sleep(0.001)
      local v = { "shared" }
      f:set_result(v)
      assert.equals(v, a:join())
      assert.equals(v, b:join())
      assert.equals(v, f:result())
      assert.equals("result", f:state())
      assert.is_true(f:done())
      assert.equals(v, f:await()) -- done: still a checkpoint, returns at once
    end)
  end)

  it("are one-shot: a second completion is InvalidState", function()
    vrun(function()
      local f = corral.future()
      f:set_result(1)
      H.assert_error("InvalidState", { "Future:set_result" }, f.set_result, f, 2)
      H.assert_error("InvalidState", {}, f.set_error, f, "e")
      assert.is_false(f:cancel())
      assert.equals(1, f:result())
    end)
  end)

  it("deliver an error as the same Lua value", function()
    vrun(function()
      local f = corral.future()
      local E = corral.error("ValueError", "x")
      local t = corral.spawn(function() return f:await() end)
      corral.checkpoint()
      f:set_error(E)
      assert.equals(E, H.raises(t.join, t))
      assert.equals(E, H.raises(f.result, f))
      assert.equals("error", f:state())
      local g = corral.future()
      g:set_error("plain")
      assert.equals("plain", H.raises(g.await, g))
    end)
  end)

  it("carry an error with a long context chain from a task's coroutine (the C stack grows)", function()
    vrun(function()
      local t = corral.spawn(function()
        local e = corral.error("ValueError", "0")
        for i = 1, 40 do e = corral.error("ValueError", tostring(i), { context = e }) end
        local f = corral.future()
        f:set_error(e) -- converted level by level inside this coroutine's small stack
        return H.raises(f.result, f) == e
      end)
      assert.is_true(t:join())
    end)
  end)

  it("keep a stored FutureCancelled or InvalidState error as it is (result())", function()
    vrun(function()
      local f = corral.future()
      local E = corral.error("FutureCancelled", "fc")
      f:set_error(E)
      assert.equals(E, H.raises(f.result, f)) -- (it used to make a new error)
      local p = corral.future()
      H.assert_error("InvalidState", { "pending" }, p.result, p)
      H.assert_error("InvalidArgument", {}, p.set_error, p, corral.error("Cancelled"))
    end)
  end)

  it("trace an ErrorGroup table with members as the core's groups (cycles stop)", function()
    local out = H.child([[
      local corral = require "corral"
      corral.run({ clock = "virtual", trace = true, log = false }, function()
        local eg = corral.error("ErrorGroup", "eg", { errors = {
          corral.error("ValueError", "a"), corral.error("Timeout", "b") } })
        pcall(corral.spawn("R", function() error(eg, 0) end).join)
        local loop = corral.error("ErrorGroup", "loop")
        loop.errors = { loop }
        pcall(corral.spawn("C", function() error(loop, 0) end).join)
      end)
    ]])
    assert.truthy(out:find("0 R fail ErrorGroup:[ValueError:a, Timeout:b]\n", 1, true), out)
    assert.truthy(out:find("0 C fail ErrorGroup:", 1, true), out)
  end)

  it("convert ErrorGroup tables within bounds: shared members, Cancelled members, raising __index", function()
    local out = H.child([[
      local corral = require "corral"
      corral.run({ clock = "virtual", trace = true, log = false }, function()
        local e = corral.error("ErrorGroup", "x")
        e.errors = { e, e } -- shared and cyclic: a bounded number of errors is made
        local t = corral.spawn("S", function() error(e, 0) end)
        pcall(t.join, t)
        local c = corral.error("ErrorGroup", "eg", { errors = { corral.error("Cancelled", "") } })
        local f = corral.future()
        f:set_error(c) -- no error member: a plain error
        corral.log("same " .. tostring(select(2, pcall(f.result, f)) == c))
        local bad = corral.error("ErrorGroup", "b", { errors = { corral.error("ValueError", "a"),
          setmetatable({}, { __index = function() error("boom") end }) } })
        local b = corral.spawn("B", function() error(bad, 0) end)
        pcall(b.join, b)
      end)
    ]])
    assert.truthy(out:find("0 S fail ErrorGroup:[ErrorGroup:[", 1, true), out)
    assert.truthy(out:find("0 main log same true\n", 1, true), out)
    assert.truthy(out:find("0 B fail ErrorGroup:[ValueError:a, LuaError]\n", 1, true), out)
  end)

  it("raise FutureCancelled when cancelled, and the waiter is not cancelled (R22)", function()
    vrun(function()
      local f = corral.future()
      local t = corral.spawn(function()
        local ok, e = pcall(f.await, f)
        corral.sleep(0.001)
        return e.kind
      end)
      corral.checkpoint()
      assert.is_true(f:cancel())
      assert.is_false(f:cancel())
      assert.is_true(f:cancelled())
      assert.equals("FutureCancelled", t:join())
      H.assert_error("FutureCancelled", {}, f.result, f)
    end)
  end)

  it("are not cancelled when a waiter is (R21)", function()
    vrun(function()
      local f = corral.future()
      local w = corral.spawn(function() f:await() end)
      corral.checkpoint()
      w:cancel()
      H.assert_error("TaskCancelled", {}, w.join, w)
      assert.is_true(f:pending())
    end)
  end)

  it("time out a wait with a deadline", function()
    vrun(function()
      local f = corral.future()
      H.assert_error("Timeout", {}, f.await, f, corral.now() + 0.003)
      assert.equals(3, H.ms())
      assert.is_true(f:pending())
    end)
  end)

  it("run done callbacks as their own entries, in order, with their actor (R8, R20)", function()
    local order = {}
    local log = {}
    corral.run({ clock = "virtual", signals = false, log = log }, function()
      local f = corral.future()
      f:add_done_callback(function(fut) order[#order + 1] = "cb1:" .. fut:result() end, "cb1")
      local t = corral.spawn(function()
        local v = f:await()
        order[#order + 1] = "T:" .. v
      end)
      corral.sleep(0.001)
      local id2 = f:add_done_callback(function() order[#order + 1] = "cb2" end)
      local id3 = f:add_done_callback(function() order[#order + 1] = "removed" end)
      assert.is_true(f:remove_done_callback(id3))
      assert.is_false(f:remove_done_callback(id3))
      assert.is_number(id2)
      f:set_result(1)
      order[#order + 1] = "after set"
      corral.checkpoint()
      f:add_done_callback(function() order[#order + 1] = "cb3" end)
      f:add_done_callback(function() error("boom in callback", 0) end, "bad")
      t:join()
      corral.checkpoint()
    end)
    assert.same({ "after set", "cb1:1", "T:1", "cb2", "cb3" }, order)
    assert.same({ "unhandled error in task bad: LuaError: boom in callback" }, log)
  end)

  it("sends a done callback's error to the root handler chain as its own entry (R20, R56)", function()
    local out = H.child([[
      local corral = require "corral"
      local log, count = {}, nil
      local v = corral.run({ clock = "virtual", signals = false, trace = true, log = log }, function()
        local f = corral.future()
        f:add_done_callback(function() error("boom", 0) end, "bad")
        f:add_done_callback(function() error(corral.error("ValueError", "x")) end)
        f:add_done_callback(function() error(corral.error("Cancelled")) end, "stray")
        f:set_result(1)
        corral.log("after set")
        corral.checkpoint()
        corral.checkpoint()
        count = corral.unhandled_count()
        return "ok"
      end)
      print(v, count)
      for _, l in ipairs(log) do print(l) end
    ]])
    assert.equals(table.concat({
      "0 main log after set",
      "0 root handler bad LuaError:boom",
      "0 root handler callback ValueError:x",
      "0 root handler stray StrayCancellation", -- (Cancelled is never an error's context)
      "0 main done ok",
      "0 rt run ok",
      "ok\t3",
      "unhandled error in task bad: LuaError: boom",
      "unhandled error in task callback: ValueError: x",
      "unhandled error in task stray: StrayCancellation",
      "" }, "\n"), out)
  end)

  it("cancels main on a done callback's error in strict mode (R57)", function()
    local out = H.child([[
      local corral = require "corral"
      local E = { "boom" }
      local ok, e = pcall(corral.run, { clock = "virtual", signals = false, strict = true,
        trace = true, log = false }, function()
        local f = corral.future()
        f:add_done_callback(function() error(E, 0) end, "bad")
        f:set_result(1)
        corral.sleep(1)
      end)
      print(ok, rawequal(e, E))
    ]])
    assert.equals("0 root handler bad LuaError\n0 main cancelled\n0 rt run LuaError\nfalse\ttrue\n", out)
  end)

  it("close cancels a pending future; later calls raise Closed", function()
    vrun(function()
      local f = corral.future()
      local t = corral.spawn(function() return H.raises(f.await, f).kind end)
      corral.checkpoint()
      f:close()
      f:close() -- idempotent
      assert.equals("FutureCancelled", t:join())
      H.assert_error("Closed", {}, f.set_result, f, 1)
      H.assert_error("Closed", {}, f.await, f)
    end)
  end)

  it("are created with corral.Future() too", function()
    vrun(function()
      local f = corral.Future()
      f:set_result("x")
      assert.equals("x", f:await())
    end)
  end)
end)

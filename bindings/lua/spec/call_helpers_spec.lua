-- hat.aio's call, call_on_cancel, call_on_done and first; aiotools cancel_and_join
-- (R73, R66, R21, R14, R15).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("call", function()
  it("returns fn's results; awaits a returned future, joins a returned task", function()
    vrun(function()
      local a, b = corral.call(function(x, y) return x + y, "two" end, 1, 2)
      assert.equals(3, a)
      assert.equals("two", b)
      local f = corral.future()
      corral.spawn(function() f:set_result("f") end)
      assert.equals("f", corral.call(function() return f end))
      assert.equals("t", corral.call(function() return corral.spawn(function() return "t" end) end))
      assert.equals(0, select("#", corral.call(function() end)))
    end)
  end)

  it("passes a trailing options table through unchanged (R73)", function()
    vrun(function()
      local kw = { tag = "k" }
      local got = corral.call(function(x, opts) return opts end, 1, kw)
      assert.equals(kw, got)
    end)
  end)

  it("rejects a non-callable", function()
    H.assert_error("InvalidArgument", { "corral.call", "fn" }, corral.call, 3)
  end)
end)

describe("call_on_cancel", function()
  it("waits until cancelled, then runs fn shielded and completes with its value (S40)", function()
    vrun(function()
      local g = corral.group("G")
      local t = g:spawn("T", corral.call_on_cancel, function(x, kw)
        corral.sleep(0.005)
        return x .. " " .. kw.tag
      end, "v", { tag = "k" })
      corral.sleep(0.010)
      g:async_close()
      assert.equals(15, H.ms())
      assert.equals("completed", t:state())
      assert.equals("v k", t:join())
    end)
  end)

  it("an error from fn fails the task", function()
    vrun(function()
      local E = corral.error("ValueError", "cleanup failed")
      local t = corral.spawn(corral.call_on_cancel, function() error(E, 0) end)
      corral.checkpoint()
      t:cancel()
      assert.equals(E, H.raises(t.join, t))
    end)
  end)

  it("the cleanup grace (cleanup_timeout) ends fn: the task ends cancelled (S61)", function()
    vrun(function()
      local g = corral.group("G", { cleanup_timeout = 0.005 })
      local reached = false
      local t = g:spawn("T", corral.call_on_cancel, function() corral.sleep(0.020); reached = true end)
      corral.sleep(0.010)
      g:async_close()
      assert.equals(15, H.ms())
      assert.equals("cancelled", t:state())
      assert.is_false(reached)
      corral.checkpoint()
      assert.equals(1, corral.unhandled_count()) -- CleanupTimeout reached the root handler
    end)
    assert.same({ "unhandled error in task T: CleanupTimeout" }, H.last_log)
  end)

  it("bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.call_on_cancel", "fn" }, corral.call_on_cancel, "x")
    end)
    H.assert_error("InvalidState", { "corral.call_on_cancel" }, corral.call_on_cancel, print)
  end)
end)

describe("call_on_done", function()
  it("awaits f ignoring its error, then calls fn (S59)", function()
    vrun(function()
      local f = corral.future()
      local d = corral.spawn(corral.call_on_done, f, function(x, kw) return x .. kw.tag end, "x", { tag = "t" })
      corral.sleep(0.002)
      f:set_error(corral.error("ValueError", "ignored"))
      assert.equals("xt", d:join())
    end)
  end)

  it("works on a task, a cancelled future and an inline function", function()
    vrun(function()
      local t = corral.spawn(function() error("t failed", 0) end)
      assert.equals(1, corral.call_on_done(t, function() return 1 end))
      local f = corral.future()
      f:cancel()
      assert.equals(2, corral.call_on_done(f, function() return 2 end))
      local ran = false
      assert.equals(3, corral.call_on_done(function() ran = true; error("ignored", 0) end,
        function() return 3 end))
      assert.is_true(ran)
    end)
  end)

  it("ignores f's error whatever its kind (InvalidState, Closed); errors of the await itself propagate", function()
    vrun(function()
      local f = corral.future()
      local d = corral.spawn(corral.call_on_done, f, function() return "a" end)
      corral.sleep(0.001)
      f:set_error(corral.error("InvalidState", "x"))
      assert.equals("a", d:join())
      local t = corral.spawn(function() error(corral.error("Closed", "y"), 0) end)
      assert.equals("b", corral.call_on_done(t, function() return "b" end))
      local f2 = corral.future()
      f2:set_error(corral.error("Closed", "z"))
      assert.equals("c", corral.call_on_done(f2, function() return "c" end))
      assert.equals("d", corral.call_on_done(function() error(corral.error("InvalidState", "w"), 0) end,
        function() return "d" end))
      -- joining itself is an error of the join (R17), not an outcome of f: fn is not called
      local called = false
      H.assert_error("InvalidState", {}, corral.call_on_done, corral.current(), function() called = true end)
      assert.is_false(called)
      -- a fatal error (R58) raised by an inline f is not an ordinary error: it propagates
      local fe = H.raises(corral.call_on_done, function() error(corral.fatal("Interrupt", "i"), 0) end,
        function() called = true end)
      assert.is_true(corral.is_fatal(fe))
      assert.is_false(called)
    end)
  end)

  it("a cancelled caller does not call fn and leaves f pending (R21)", function()
    vrun(function()
      local g = corral.future()
      local called = false
      local e = corral.spawn(corral.call_on_done, g, function() called = true end)
      corral.sleep(0.003)
      e:cancel()
      H.assert_error("TaskCancelled", {}, e.join, e)
      assert.is_false(called)
      assert.is_true(g:pending())
    end)
  end)

  it("bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.call_on_done", "'f'" }, corral.call_on_done, 1, print)
      H.assert_error("InvalidArgument", { "corral.call_on_done", "'fn'" }, corral.call_on_done,
        corral.future(), 1)
    end)
  end)
end)

describe("cancel_and_join", function()
  it("cancelled gives nothing, a late value comes back, an error is raised (S60)", function()
    vrun(function()
      local a = corral.spawn(function()
        pcall(corral.sleep, 1)
        corral.shield(function() corral.sleep(0.003) end)
        error(corral.error("Cancelled", ""), 0) -- re-raise the cancellation
      end)
      local b = corral.spawn(function()
        if not pcall(corral.sleep, 1) then return "b-late" end
      end)
      local E = corral.error("ValueError", "c")
      local c = corral.spawn(function() error(E, 0) end)
      corral.sleep(0.010)
      assert.is_nil(corral.cancel_and_join(a))
      assert.equals(13, H.ms())
      assert.equals("cancelled", a:state())
      assert.equals("b-late", corral.cancel_and_join(b))
      assert.equals(E, H.raises(corral.cancel_and_join, c))
    end)
  end)

  it("bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.cancel_and_join", "task" }, corral.cancel_and_join, {})
    end)
  end)
end)

describe("first", function()
  local function items(n)
    local i = 0
    return function()
      if i >= n then return nil end
      i = i + 1
      return i
    end
  end

  it("returns the first match, else the default; consumes up to the match (S54)", function()
    vrun(function()
      local it = items(5)
      assert.equals(3, corral.first(it, function(x) return x > 2 end, -1))
      assert.equals(4, it()) -- the rest is still there
      assert.equals(-1, corral.first(items(2), function(x) return x > 10 end, -1))
      assert.equals("none", corral.first(items(0), nil, "none"))
      assert.equals(1, corral.first(items(3)))
    end)
  end)

  it("reads a queue until it is closed and drained; the rest stays queued", function()
    vrun(function()
      local q = corral.queue()
      for i = 1, 4 do q:put_nowait(i) end
      assert.equals(2, corral.first(q, function(x) return x % 2 == 0 end))
      assert.equals(2, q:qsize())
      q:close()
      assert.equals("d", corral.first(q, function(x) return x > 10 end, "d"))
      assert.equals(0, q:qsize())
    end)
  end)

  it("a predicate error propagates", function()
    vrun(function()
      assert.equals("pred", H.raises(corral.first, items(1), function() error("pred", 0) end))
    end)
  end)

  it("bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.first", "source" }, corral.first, 5)
      H.assert_error("InvalidArgument", { "corral.first", "pred" }, corral.first, items(1), 5)
    end)
  end)
end)

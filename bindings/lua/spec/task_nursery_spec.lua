-- The codestare TaskNursery preset (corral.task_nursery: a free SUPERVISE group whose
-- sentinel member runs the exit callbacks; a name registry; R52, R66, R67).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("task_nursery", function()
  it("the sentinel runs the exit callbacks LIFO when the nursery closes (S57)", function()
    vrun(function()
      local log = {}
      local n = corral.task_nursery("N")
      assert.equals("N.sentinel", n.sentinel:name())
      n:push_async_callback(function(tag) corral.sleep(0.001); log[#log + 1] = tag .. " at " .. H.ms() end, "c1")
      n:push_callback(function(tag) log[#log + 1] = tag end, "c2")
      local t = n:create_task("T", corral.sleep, 1)
      corral.sleep(0.005)
      n:aclose()
      assert.same({ "c2", "c1 at 6" }, log)
      assert.is_true(n:is_closed())
      assert.equals("cancelled", t:state())
      assert.equals("completed", n.sentinel:state())
    end)
  end)

  it("every callback runs even if one fails; the last error fails the sentinel", function()
    local handled
    vrun(function()
      local ran = {}
      local n = corral.task_nursery({ name = "N", exception_cb = function(e, t) handled = t:name() .. " " .. tostring(e) end })
      n:push_callback(function() ran[#ran + 1] = 1; error(corral.error("ValueError", "first"), 0) end)
      n:push_callback(function() ran[#ran + 1] = 2 end)
      n:push_callback(function() ran[#ran + 1] = 3; error(corral.error("ValueError", "last"), 0) end)
      n:aclose()
      corral.checkpoint()
      assert.same({ 3, 2, 1 }, ran)
    end)
    assert.equals("N.sentinel ValueError:first <- ValueError:last", handled)
  end)

  it("a callback error replacing Cancelled (grace expiry) does not get Cancelled as its context", function()
    local handled
    vrun(function()
      local n = corral.task_nursery({ name = "N", cleanup_timeout = 0.002,
        exception_cb = function(e, t) handled = t:name() .. " " .. tostring(e) end })
      n:push_callback(function() error(corral.error("ValueError", "after"), 0) end)
      n:push_async_callback(function() corral.sleep(1) end)
      n:aclose()
      corral.checkpoint()
    end)
    assert.equals("N.sentinel ValueError:after", handled)
  end)

  it("the registry maps names to nurseries; default names count them", function()
    vrun(function()
      local a = corral.task_nursery()
      local b = corral.task_nursery()
      local c = corral.task_nursery("C")
      assert.equals("TaskNursery-0", a:name())
      assert.equals("TaskNursery-1", b:name())
      assert.equals(a, corral.TaskNursery.registry["TaskNursery-0"])
      assert.equals(c, corral.task_nursery_registry().C)
      H.assert_error("InvalidState", { "read-only" }, function() corral.TaskNursery.registry.X = 1 end)
      a:aclose(); b:aclose(); c:aclose()
    end)
    assert.is_nil(corral.TaskNursery.registry.C) -- outside a run
  end)

  it("by default a failing task shuts the run down: main is cancelled (cause SHUTDOWN)", function()
    local e = H.raises(H.vrun, function()
      local n = corral.task_nursery("N")
      n:create_task("T", function() corral.sleep(0.001); error(corral.error("ValueError", "x"), 0) end)
      corral.sleep(1)
    end)
    assert.equals("Cancelled", e.kind)
    assert.equals("SHUTDOWN", e.cause)
    assert.same({ "task nursery N: unhandled error in task T: ValueError:x; shutting down" }, H.last_log)
  end)

  it("with corral.with: the exit closes it with cancellation and runs the callbacks", function()
    vrun(function()
      local log = {}
      corral.with(corral.task_nursery("W"), function(n)
        n:push_callback(function() log[#log + 1] = "cb" end)
        n:create_task(corral.sleep, 1)
      end)
      assert.same({ "cb" }, log)
    end)
  end)

  it("bad input and use after close", function()
    vrun(function()
      local n = corral.task_nursery("N")
      H.assert_error("InvalidArgument", { "TaskNursery:push_callback", "fn" }, n.push_callback, n, 1)
      H.assert_error("InvalidArgument", { "TaskNursery:push_async_callback", "self" },
        n.push_async_callback, {}, print)
      H.assert_error("InvalidArgument", { "corral.task_nursery", "opts" }, corral.task_nursery, 3)
      H.assert_error("InvalidArgument", { "corral.task_nursery", "opts.exception_cb" },
        corral.task_nursery, { exception_cb = "no" })
      n:aclose()
      H.assert_error("GroupClosed", {}, n.create_task, n, print)
      H.assert_error("GroupClosed", { "push_callback" }, n.push_callback, n, print)
    end)
  end)
end)

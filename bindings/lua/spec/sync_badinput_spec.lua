-- Bad input for queues and sync objects (issue 7): wrong types, negative maxsize handling,
-- releasing an unheld lock, over-releasing a bounded semaphore, use after close, blocking
-- calls outside a task.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun
local err = H.assert_error

describe("queue and sync bad input", function()
  it("maxsize: <= 0 is unbounded; non-integers are InvalidArgument", function()
    vrun(function()
      assert.equals(0, corral.queue(-5):maxsize())
      assert.equals(0, corral.queue(-math.huge):maxsize())
      assert.equals(0, corral.queue(math.huge):maxsize())
      assert.equals(0, corral.queue(nil):maxsize())
      assert.equals(3, corral.queue(3.0):maxsize())
      local q = corral.queue(-1)
      for i = 1, 100 do q:put_nowait(i) end -- unbounded
      assert.is_false(q:full())
      for _, bad in ipairs({ "3", 1.5, 0 / 0, {}, true }) do
        err("InvalidArgument", { "corral.queue", "maxsize" }, corral.queue, bad)
      end
      err("InvalidArgument", { "corral.lifo_queue", "maxsize" }, corral.lifo_queue, "x")
      err("InvalidArgument", { "corral.priority_queue", "maxsize" }, corral.priority_queue, 2.5)
      err("InvalidArgument", { "corral.queue", "kind" }, corral.queue, 1, 7)
    end)
  end)

  it("wrong self for queue methods (C and Lua ones) names the method", function()
    vrun(function()
      local Q = corral.Queue
      for _, m in ipairs({ "put_nowait", "get_nowait", "try_put", "try_get", "qsize",
        "get_nowait_until_empty", "get", "put", "iter", "maxsize", "empty", "full", "kind",
        "close", "is_closed", "pointer", "get_until_empty" }) do
        for _, bad in ipairs({ 5, {}, "q", corral.future() }) do
          err("InvalidArgument", { "Queue:" .. m, "self" }, Q[m], bad, 1)
        end
      end
    end)
  end)

  it("wrong types for sync objects", function()
    vrun(function()
      err("InvalidArgument", { "corral.semaphore", "value" }, corral.semaphore, -1)
      err("InvalidArgument", { "corral.semaphore", "value" }, corral.semaphore, 1.5)
      err("InvalidArgument", { "corral.semaphore", "value" }, corral.semaphore, "2")
      err("InvalidArgument", { "corral.bounded_semaphore", "value" }, corral.bounded_semaphore, -2)
      local e, l, s, c, w = corral.event(), corral.lock(), corral.semaphore(), corral.condition(), corral.watch()
      err("InvalidArgument", { "Event:set", "self", "corral.Event" }, e.set, l)
      err("InvalidArgument", { "Event:wait", "self" }, e.wait, 1)
      err("InvalidArgument", { "Event:wait", "opts" }, e.wait, e, "soon")
      err("InvalidArgument", { "Lock:acquire", "self", "corral.Lock" }, l.acquire, s)
      err("InvalidArgument", { "Lock:release", "self" }, l.release, {})
      err("InvalidArgument", { "Lock:acquire", "unknown option" }, l.acquire, l, { time = 1 })
      err("InvalidArgument", { "Semaphore:acquire", "self", "corral.Semaphore" }, s.acquire, e)
      err("InvalidArgument", { "Semaphore:release", "self" }, s.release, nil)
      err("InvalidArgument", { "Condition:notify", "n" }, c.notify, c, -1)
      err("InvalidArgument", { "Condition:notify", "n" }, c.notify, c, "all")
      err("InvalidArgument", { "Condition:wait", "self" }, c.wait, l)
      err("InvalidArgument", { "Watch:set", "self", "corral.Watch" }, w.set, e, 1)
      err("InvalidArgument", { "Watch:next", "after" }, w.next, w, 1.5)
      err("InvalidArgument", { "Watch:wait_for", "pred" }, w.wait_for, w, "x")
      err("InvalidArgument", { "Watch:put", "timeout" }, w.put, w, 1, { timeout = "1" })
    end)
  end)

  it("releasing a lock nobody holds, or someone else's, is InvalidState", function()
    vrun(function()
      local l = corral.lock()
      err("InvalidState", { "Lock:release" }, l.release, l)
      local owner = corral.spawn(function()
        l:acquire()
        corral.sleep(0.010)
        l:release()
      end)
      corral.sleep(0.001)
      err("InvalidState", { "Lock:release" }, l.release, l)
      assert.equals(owner, l:owner())
      owner:join()
      local b = corral.bounded_semaphore(1)
      err("InvalidState", { "BoundedSemaphore:release" }, b.release, b)
      local c = corral.condition()
      err("InvalidState", { "Condition:release" }, c.release, c)
      err("InvalidState", { "Condition:wait" }, c.wait, c)
    end)
  end)

  it("use after close: a closed queue refuses puts; a finished run's objects give Closed", function()
    local saved = {}
    vrun(function()
      local q = corral.queue()
      q:close()
      err("QueueClosed", { "Queue:put_nowait" }, q.put_nowait, q, 1)
      err("QueueClosed", { "Queue:try_put" }, q.try_put, q, 1)
      err("QueueClosed", {}, q.put, q, 1)
      err("QueueClosed", {}, q.get, q)
      err("QueueEmpty", {}, q.get_nowait, q)
      q:close() -- idempotent
      saved.q, saved.e, saved.l = corral.queue(), corral.event(), corral.lock()
      saved.s, saved.c, saved.w = corral.semaphore(), corral.condition(), corral.watch(1)
      saved.q:put_nowait("left")
    end)
    local q, e, l, s, c, w = saved.q, saved.e, saved.l, saved.s, saved.c, saved.w
    err("Closed", { "Queue:put_nowait" }, q.put_nowait, q, 1)
    err("Closed", { "Queue:put_nowait", "no corral run" }, q.put_nowait, q, {})
    err("Closed", { "Queue:try_get" }, q.try_get, q)
    err("Closed", { "Event:set" }, e.set, e)
    err("Closed", { "Lock:try_acquire" }, l.try_acquire, l)
    err("Closed", { "Semaphore:release" }, s.release, s)
    err("Closed", { "Condition:notify" }, c.notify, c)
    err("Closed", { "Watch:set" }, w.set, w, 2)
    err("Closed", { "Watch:get" }, w.get, w)
    assert.is_true(q:is_closed())
    assert.is_false(e:is_set())
    assert.is_false(l:locked())
    q:close()
    -- and they cannot be awaited in a later run
    vrun(function()
      err("Closed", { "Queue:get" }, q.get, q)
      err("Closed", { "Event:wait" }, e.wait, e)
      err("Closed", { "Lock:acquire" }, l.acquire, l)
      err("Closed", { "Watch:next" }, w.next, w)
    end)
  end)

  it("blocking calls outside a task's coroutine are InvalidState", function()
    local saved = {}
    vrun(function()
      local q, e, l, s, c, w = corral.queue(), corral.event(), corral.lock(), corral.semaphore(0),
          corral.condition(), corral.watch()
      saved.kinds = {}
      local f = corral.future()
      f:add_done_callback(function()
        for _, call in ipairs({
          function() q:get() end, function() q:put(1) end, function() for _ in q:iter() do end end,
          function() e:wait() end, function() l:acquire() end, function() s:acquire() end,
          function() c:wait() end, function() w:next() end, function() w:put(1) end,
          function() w:wait_for(function() return false end) end,
        }) do
          saved.kinds[#saved.kinds + 1] = H.raises(call).kind
        end
      end)
      f:set_result(1)
      corral.sleep(0.001)
      -- a coroutine made inside a task is not the task's own
      local co = coroutine.wrap(function() return H.raises(q.get, q).kind end)
      saved.inner = co()
    end)
    for _, k in ipairs(saved.kinds) do assert.equals("InvalidState", k) end
    assert.equals(10, #saved.kinds)
    assert.equals("InvalidState", saved.inner)
    err("InvalidState", { "corral.queue" }, corral.queue)
    err("InvalidState", { "corral.lock" }, corral.lock)
  end)
end)

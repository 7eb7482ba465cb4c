-- Queues (issue 7): kinds, priorities, try_put/try_get, iteration, get_until_empty,
-- per-call options, rendezvous channels, HOST tokens of failed puts.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("queue kinds", function()
  it("priority queues give the smallest priority first, equal priorities FIFO", function()
    vrun(function()
      local pq = corral.priority_queue()
      assert.equals("priority", pq:kind())
      pq:put_nowait("c", 3)
      pq:put_nowait("a", 1)
      pq:put_nowait("b", 2)
      pq:put_nowait("a2", 1)
      pq:put_nowait("z") -- priority 0
      pq:put_nowait("m", -5)
      local got = {}
      for i = 1, 6 do got[i] = pq:get_nowait() end
      assert.same({ "m", "z", "a", "a2", "b", "c" }, got)
    end)
  end)

  it("priority puts that park keep their priority (corral_op.arg)", function()
    vrun(function()
      local pq = corral.PriorityQueue(1)
      pq:put_nowait("first", 9)
      local p1 = corral.spawn(function() pq:put("low", { priority = 5 }) end)
      local p2 = corral.spawn(function() pq:put("high", { priority = 1, timeout = 10 }) end)
      corral.sleep(0.001)
      assert.equals(1, pq:qsize())
      assert.equals("first", pq:get_nowait()) -- promotes p1's item
      p1:join()
      assert.equals("low", pq:get_nowait()) -- promotes p2's
      p2:join()
      assert.equals("high", pq:get_nowait())
      H.assert_error("InvalidArgument", { "Queue:put", "priority" }, pq.put, pq, 1, { priority = 1.5 })
      H.assert_error("InvalidArgument", { "Queue:put_nowait", "priority" }, pq.put_nowait, pq, 1, "x")
      H.assert_error("InvalidArgument", { "Queue:put_nowait", "int32" }, pq.put_nowait, pq, 1, 2 ^ 40)
    end)
  end)

  it("lifo queues give the last item first; other kinds ignore a priority", function()
    vrun(function()
      local lq = corral.lifo_queue()
      for i = 1, 3 do lq:put_nowait(i, 100 - i) end
      assert.same({ 3, 2, 1 }, { lq:get_nowait(), lq:get_nowait(), lq:get_nowait() })
      local q = corral.queue(0, "fifo")
      q:put_nowait("a", 5)
      q:put_nowait("b", 1)
      assert.same({ "a", "b" }, { q:get_nowait(), q:get_nowait() })
      assert.equals("lifo", corral.LifoQueue():kind())
      assert.equals("fifo", corral.Queue():kind())
      H.assert_error("InvalidArgument", { "corral.queue", "kind" }, corral.queue, 0, "stack")
    end)
  end)

  it("rendezvous channels hand items over only to a waiting getter", function()
    vrun(function()
      local ch = corral.channel()
      assert.equals("rendezvous", ch:kind())
      assert.equals(0, ch:maxsize())
      assert.is_true(ch:full())
      H.assert_error("QueueFull", { "Queue:put_nowait" }, ch.put_nowait, ch, "y")
      assert.is_false(ch:try_put("y"))
      local g = corral.spawn(function() return ch:get() end)
      corral.sleep(0.001)
      assert.is_false(ch:full()) -- a getter waits
      assert.is_true(ch:try_put("to g"))
      assert.equals("to g", g:join())
      local order = {}
      local p = corral.spawn(function()
        ch:put("x")
        order[#order + 1] = "put returned"
      end)
      corral.sleep(0.005)
      assert.equals(0, ch:qsize())
      assert.equals("x", ch:get())
      order[#order + 1] = "got"
      p:join()
      assert.same({ "put returned", "got" }, order) -- the get completes the putter first
      local p2 = corral.spawn(function() ch:put("z") end)
      corral.sleep(0.001)
      assert.equals("z", ch:get_nowait()) -- straight from the parked putter
      p2:join()
      H.assert_error("Timeout", {}, ch.put, ch, "w", { timeout = 0.002 })
      assert.equals(9, H.ms())
    end)
  end)
end)

describe("queue methods", function()
  it("try_put / try_get return booleans instead of raising Full / Empty", function()
    vrun(function()
      local q = corral.queue(2)
      assert.is_true(q:try_put(1))
      assert.is_true(q:try_put({ 2 }))
      assert.is_false(q:try_put(3))
      local ok, v = q:try_get()
      assert.is_true(ok)
      assert.equals(1, v)
      ok, v = q:try_get()
      assert.same({ 2 }, v)
      ok, v = q:try_get()
      assert.is_false(ok)
      assert.is_nil(v)
      q:close()
      H.assert_error("QueueClosed", { "Queue:try_put" }, q.try_put, q, 1)
      assert.is_false((q:try_get())) -- closed and empty: false, like get_nowait's QueueEmpty
    end)
  end)

  it("numbers and other values come back unchanged through every non-blocking call", function()
    vrun(function()
      if H.JIT and os.getenv("CORRAL_LUA_NO_FFI") ~= "1" then
        assert.is_true(corral._debug.queue_ffi) -- LuaJIT: the FFI path
      end
      local q = corral.queue(3)
      local t = {}
      local values = { 0, 1, -7, 2 ^ 53 - 1, 2 ^ 53, -2 ^ 60, 1.5, -0.25, 1 / 0, -1 / 0, 1e300,
        "s", "", t, true, false, print }
      for _, v in ipairs(values) do
        q:put_nowait(v)
        assert.equals(v, q:get_nowait())
        assert.is_true(q:try_put(v))
        local ok, w = q:try_get()
        assert.is_true(ok)
        assert.equals(v, w)
      end
      q:put_nowait(0 / 0)
      local nan = q:get_nowait()
      assert.is_true(nan ~= nan)
      q:put_nowait(nil)
      local ok, none = q:try_get()
      assert.is_true(ok)
      assert.is_nil(none)
      if math.type then
        q:put_nowait(3)
        assert.equals("integer", math.type(q:get_nowait()))
        q:put_nowait(3.0)
        assert.equals("float", math.type(q:get_nowait()))
      end
      -- full / empty / errors are the same on every path
      for i = 1, 3 do assert.is_true(q:try_put(i)) end
      assert.is_false(q:try_put(4))
      H.assert_error("QueueFull", { "Queue:put_nowait" }, q.put_nowait, q, 4)
      for i = 1, 3 do assert.equals(i, q:get_nowait()) end
      assert.is_false((q:try_get()))
      H.assert_error("QueueEmpty", { "Queue:get_nowait" }, q.get_nowait, q)
      H.assert_error("InvalidArgument", { "Queue:try_put", "self" }, q.try_put, 1, 2)
      H.assert_error("InvalidArgument", { "Queue:try_get", "self" }, q.try_get, nil)
      H.assert_error("InvalidArgument", { "Queue:put_nowait", "self" }, q.put_nowait, {}, 2)
      H.assert_error("InvalidArgument", { "Queue:get_nowait", "self" }, q.get_nowait, "q")
    end)
  end)

  it("iterate until the queue is closed and drained (for x in q:iter())", function()
    vrun(function()
      local q = corral.queue(2)
      local got = {}
      local c = corral.spawn(function()
        for x in q:iter() do got[#got + 1] = x end
        got[#got + 1] = "end"
      end)
      for i = 1, 5 do q:put(i) end
      q:close()
      c:join()
      assert.same({ 1, 2, 3, 4, 5, "end" }, got)
      -- a closed queue with items: they come out first
      local q2 = corral.queue()
      q2:put_nowait("a")
      q2:put_nowait("b")
      q2:close()
      local out = {}
      for x in q2:iter() do out[#out + 1] = x end
      assert.same({ "a", "b" }, out)
      -- a nil item cannot be iterated (it would end the loop)
      local q3 = corral.queue()
      q3:put_nowait(nil)
      H.assert_error("InvalidState", { "Queue:iter", "nil" }, function()
        for _ in q3:iter() do end
      end)
      H.assert_error("InvalidArgument", { "Queue:iter", "self" }, q.iter, 5)
    end)
  end)

  it("iteration is a checkpoint per item and can be cancelled", function()
    vrun(function()
      local q = corral.queue()
      for i = 1, 3 do q:put_nowait(i) end
      local order = {}
      local c = corral.spawn(function()
        for x in q:iter() do order[#order + 1] = "c" .. x end
      end)
      local o = corral.spawn(function()
        for i = 1, 3 do
          order[#order + 1] = "o" .. i
          corral.checkpoint()
        end
      end)
      o:join()
      c:cancel()
      H.assert_error("TaskCancelled", {}, c.join, c)
      assert.same({ "o1", "c1", "o2", "c2", "o3", "c3" }, order)
    end)
  end)

  it("get_until_empty waits for one item and returns the last one (hat)", function()
    vrun(function()
      local q = corral.queue()
      local g = corral.spawn(function() return q:get_until_empty() end)
      corral.sleep(0.001)
      q:put_nowait({ "first" }) -- handed to g, which then drains what is buffered
      q:put_nowait("second")
      q:put_nowait("third")
      assert.equals("third", g:join())
      assert.equals(0, q:qsize())
      q:put_nowait(1)
      assert.equals(1, q:get_until_empty())
      for i = 1, 4 do q:put_nowait(i) end
      assert.equals(4, q:get_nowait_until_empty())
      H.assert_error("QueueEmpty", { "Queue:get_nowait_until_empty" }, q.get_nowait_until_empty, q)
      H.assert_error("Timeout", {}, q.get_until_empty, q, { timeout = 0.001 })
      q:close()
      H.assert_error("QueueClosed", {}, q.get_until_empty, q)
    end)
  end)

  it("take a deadline number or an options table {deadline, timeout}", function()
    vrun(function()
      local q = corral.queue(1)
      H.assert_error("Timeout", {}, q.get, q, { timeout = 0.003 })
      assert.equals(3, H.ms())
      H.assert_error("Timeout", {}, q.get, q, corral.now() + 0.002)
      assert.equals(5, H.ms())
      -- the earlier of deadline and timeout wins
      H.assert_error("Timeout", {}, q.get, q, { timeout = 0.010, deadline = corral.now() + 0.001 })
      assert.equals(6, H.ms())
      H.assert_error("Timeout", {}, q.get, q, { timeout = 0.001, deadline = corral.now() + 0.010 })
      assert.equals(7, H.ms())
      -- a past deadline or a zero timeout does not block but is still a checkpoint
      H.assert_error("Timeout", {}, q.get, q, { timeout = 0 })
      H.assert_error("Timeout", {}, q.get, q, corral.now() - 1)
      assert.equals(7, H.ms())
      q:put_nowait(1)
      H.assert_error("Timeout", {}, q.put, q, 2, { timeout = 0.001 })
      assert.equals(1, q:get({ timeout = math.huge }))
      q:put(3, { deadline = math.huge })
      assert.equals(3, q:get(math.huge))
      H.assert_error("InvalidArgument", { "Queue:get", "unknown option 'timout'" }, q.get, q, { timout = 1 })
      H.assert_error("InvalidArgument", { "Queue:get", "unknown option 'priority'" }, q.get, q, { priority = 1 })
      H.assert_error("InvalidArgument", { "Queue:get", "timeout" }, q.get, q, { timeout = "1" })
    end)
  end)

  it("queries: qsize, #q, empty, full, maxsize, kind, is_closed, tostring", function()
    vrun(function()
      local q = corral.queue(2)
      assert.is_true(q:empty())
      q:put_nowait(1)
      q:put_nowait(2)
      assert.equals(2, q:qsize())
      assert.equals(2, #q)
      assert.is_true(q:full())
      assert.is_false(q:empty())
      assert.equals(2, q:maxsize())
      assert.equals("corral.Queue(fifo)", tostring(q))
      assert.is_false(q:is_closed())
      q:close()
      assert.is_true(q:is_closed())
      assert.is_false(corral.queue():full()) -- unbounded
    end)
  end)

  it("a parked put that fails gives its Lua value back (no token leak)", function()
    vrun(function()
      local base = corral._debug.host_tokens()
      local q = corral.queue(1)
      q:put_nowait(0)
      local ps = {}
      for i = 1, 4 do
        ps[i] = corral.spawn(function() return H.raises(q.put, q, { i }).kind end)
      end
      local timed = corral.spawn(function() return H.raises(q.put, q, { "t" }, { timeout = 0.001 }).kind end)
      local cancelled = corral.spawn(function() q:put({ "c" }) end)
      corral.sleep(0.002)
      assert.equals("Timeout", timed:join())
      cancelled:cancel()
      H.assert_error("TaskCancelled", {}, cancelled.join, cancelled)
      q:close()
      for i = 1, 4 do assert.equals("QueueClosed", ps[i]:join()) end
      assert.equals(0, q:get())
      corral.sleep(0.001)
      assert.equals(base, corral._debug.host_tokens())
      -- a parked put whose item was taken keeps nothing either
      local q2 = corral.queue(1)
      q2:put_nowait({ "x" })
      local p = corral.spawn(function() q2:put({ "y" }) end)
      corral.sleep(0.001)
      assert.same({ "x" }, q2:get_nowait())
      p:join()
      assert.same({ "y" }, q2:get())
      corral.sleep(0.001)
      assert.equals(base, corral._debug.host_tokens())
    end)
  end)

  it("a cancelled putter's item is not enqueued; a completed one stays put (R27, R64)", function()
    vrun(function()
      local q = corral.queue(1)
      q:put_nowait("a")
      local p = corral.spawn(function() q:put("b") end)
      corral.sleep(0.001)
      p:cancel()
      assert.equals("a", q:get_nowait())
      assert.is_false((q:try_get()))
      H.assert_error("TaskCancelled", {}, p.join, p)
      -- completion first: the promoted putter keeps its put, Cancelled comes at its next checkpoint
      q:put_nowait("c")
      local steps = {}
      local p2 = corral.spawn(function()
        q:put("d")
        steps[#steps + 1] = "put returned"
        corral.checkpoint()
        steps[#steps + 1] = "unreachable"
      end)
      corral.sleep(0.001)
      assert.equals("c", q:get_nowait()) -- promotes "d": p2's put is complete
      p2:cancel()
      H.assert_error("TaskCancelled", {}, p2.join, p2)
      assert.same({ "put returned" }, steps)
      assert.equals("d", q:get_nowait())
    end)
  end)
end)

-- Queues: hand-off, nowait variants, close, bounded, deadlines, values.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("queues", function()
  it("keeps the sign of -0 through put_nowait and try_put (LuaJIT's FFI path too)", function()
    vrun(function()
      local q = corral.queue()
      q:put_nowait(-0.0)
      q:try_put(-0.0)
      q:put_nowait(0)
      for _, want in ipairs({ -math.huge, -math.huge, math.huge }) do
        assert.equals(want, 1 / q:get_nowait())
      end
    end)
  end)

  it("pass items FIFO, handing off to waiting getters (R60)", function()
    vrun(function()
      local q = corral.queue()
      local got = {}
      local g = corral.spawn(function() for _ = 1, 3 do got[#got + 1] = q:get() end end)
      corral.checkpoint()
      q:put_nowait("a")
      q:put_nowait("b")
      q:put_nowait("c")
      assert.equals(2, q:qsize())
      g:join()
      assert.same({ "a", "b", "c" }, got)
      assert.is_true(q:empty())
      assert.equals(0, #q)
    end)
  end)

  it("get is a checkpoint even with an item there (R23)", function()
    local order = {}
    vrun(function()
      local q = corral.queue()
      q:put_nowait(1)
      q:put_nowait(2)
      local function getter(p)
        order[#order + 1] = p .. "0"
        local x = q:get()
        order[#order + 1] = p .. x
      end
      local a = corral.spawn(getter, "a")
      local b = corral.spawn(getter, "b")
      a:join()
      b:join()
    end)
    assert.same({ "a0", "b0", "a1", "b2" }, order)
  end)

  it("keep Lua values as they are (tables by identity, integers and floats apart)", function()
    vrun(function()
      local q = corral.queue()
      local t, f = {}, function() end
      for _, v in ipairs({ t, f, true, false, 1, 1.5, "s" }) do
        q:put_nowait(v)
        assert.equals(v, q:get_nowait())
      end
      q:put_nowait(t)
      assert.equals(t, q:get())
      if math.type then
        q:put_nowait(2)
        assert.equals("integer", math.type(q:get_nowait()))
      end
    end)
  end)

  it("get_nowait on an empty queue raises QueueEmpty (R62)", function()
    vrun(function()
      local q = corral.queue()
      local e = H.assert_error("QueueEmpty", { "Queue:get_nowait" }, q.get_nowait, q)
      assert.equals(corral.core.EQUEUEEMPTY, e.code)
    end)
  end)

  it("bounded queues refuse put_nowait when full and park put (R60, R61)", function()
    vrun(function()
      local q = corral.queue(1)
      assert.equals(1, q:maxsize())
      q:put_nowait("x")
      assert.is_true(q:full())
      H.assert_error("QueueFull", {}, q.put_nowait, q, "y")
      local p = corral.spawn(function() q:put("y") end)
      corral.checkpoint()
      assert.equals("x", q:get_nowait()) -- promotes the parked putter
      assert.equals(1, q:qsize())
      p:join()
      assert.equals("y", q:get())
      H.assert_error("Timeout", {}, q.get, q, corral.now() + 0.002)
      q:put_nowait(1)
      H.assert_error("Timeout", {}, q.put, q, 2, corral.now() + 0.002)
      assert.equals(4, H.ms())
    end)
  end)

  it("close: buffered items stay gettable, then QueueClosed (R63)", function()
    vrun(function()
      local q = corral.queue()
      local waiter = corral.spawn(function() return H.raises(function() return corral.queue():get() end) end)
      local g = corral.spawn(function() return H.raises(q.get, q).kind end)
      corral.checkpoint()
      q:close()
      q:close() -- idempotent
      assert.is_true(q:is_closed())
      assert.equals("QueueClosed", g:join())
      local q2 = corral.queue()
      q2:put_nowait(1)
      q2:close()
      assert.equals(1, q2:get())
      H.assert_error("QueueClosed", {}, q2.get, q2)
      H.assert_error("QueueClosed", {}, q2.put_nowait, q2, 3)
      H.assert_error("QueueEmpty", {}, q2.get_nowait, q2)
      waiter:cancel()
    end)
  end)

  it("drop no item when a getter is cancelled before the hand-off (R64)", function()
    vrun(function()
      local q = corral.queue()
      local g = corral.spawn(function() return q:get() end)
      corral.checkpoint()
      g:cancel()
      q:put_nowait(7)
      H.assert_error("TaskCancelled", {}, g.join, g)
      assert.equals(7, q:get_nowait())
    end)
  end)

  it("are created with corral.Queue(maxsize) too and validate maxsize", function()
    vrun(function()
      assert.equals(3, corral.Queue(3):maxsize())
      assert.equals(0, corral.queue(-1):maxsize())
      H.assert_error("InvalidArgument", { "corral.queue", "maxsize" }, corral.queue, "x")
      H.assert_error("InvalidArgument", { "corral.queue", "maxsize" }, corral.queue, 1.5)
    end)
  end)
end)

describe("Lua values travelling through the core", function()
  it("are released once the core drops them (no token leak)", function()
    vrun(function()
      local base = corral._debug.host_tokens()
      local q = corral.queue()
      for i = 1, 50 do q:put_nowait({ i }) end
      for _ = 1, 50 do q:get() end
      for i = 1, 20 do
        local f = corral.future()
        f:set_result({ i })
        f:await()
      end
      for i = 1, 20 do
        local t = corral.spawn(function() return { i } end)
        t:join()
      end
      for i = 1, 20 do
        local t = corral.spawn(function() error({ i }) end)
        pcall(t.join, t)
      end
      local q2 = corral.queue()
      q2:put_nowait({ "dropped with its queue" })
      q, q2 = nil, nil
      collectgarbage()
      collectgarbage()
      corral.sleep(0.001) -- RELEASE records arrive with the next poll
      collectgarbage()
      corral.sleep(0.001)
      assert.equals(base, corral._debug.host_tokens())
    end)
  end)
end)

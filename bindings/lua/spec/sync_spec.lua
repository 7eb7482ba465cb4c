-- Synchronization primitives (issue 7, R27, R65): Event, Lock, Semaphore, BoundedSemaphore,
-- Condition, the watch cell, awaitable_predicate, corral.with and <close>.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

-- Run a Lua 5.4 chunk (to-be-closed variables) given as text; nil on LuaJIT.
local function lua54(src)
  if not H.LUA54 then return nil end
  return assert(load(src))
end

describe("Event", function()
  it("wakes every waiter FIFO when set; stays set until cleared", function()
    vrun(function()
      local e = corral.event()
      assert.is_false(e:is_set())
      local order = {}
      local ts = {}
      for i = 1, 3 do
        ts[i] = corral.spawn(function()
          assert.is_true(e:wait())
          order[#order + 1] = i
        end)
      end
      corral.sleep(0.001)
      assert.equals(3, e:set())
      assert.equals(0, e:set()) -- idempotent
      for i = 1, 3 do ts[i]:join() end
      assert.same({ 1, 2, 3 }, order)
      assert.is_true(e:is_set())
      e:wait() -- set: completes (through the ready queue)
      e:clear()
      assert.is_false(e:is_set())
      H.assert_error("Timeout", {}, e.wait, e, { timeout = 0.002 })
      assert.equals(3, H.ms())
      assert.equals(corral.Event, getmetatable(corral.Event()))
    end)
  end)

  it("wait is a checkpoint even when set; a cancelled waiter leaves no trace", function()
    vrun(function()
      local e = corral.event()
      e:set()
      local order = {}
      local a = corral.spawn(function()
        order[#order + 1] = "a0"
        e:wait()
        order[#order + 1] = "a1"
      end)
      local b = corral.spawn(function()
        order[#order + 1] = "b0"
        corral.checkpoint()
        order[#order + 1] = "b1"
      end)
      a:join()
      b:join()
      assert.same({ "a0", "b0", "a1", "b1" }, order)
      local e2 = corral.event()
      local w = corral.spawn(function() e2:wait() end)
      corral.sleep(0.001)
      w:cancel()
      H.assert_error("TaskCancelled", {}, w.join, w)
      assert.equals(0, e2:set())
    end)
  end)
end)

describe("Lock", function()
  it("hands ownership to the first waiter at once: no barging (S64)", function()
    vrun(function()
      local l = corral.lock()
      local order = {}
      local a = corral.spawn("A", function()
        l:acquire()
        order[#order + 1] = "A in"
        corral.sleep(0.005)
        l:release()
      end)
      local b = corral.spawn("B", function()
        corral.sleep(0.001)
        corral.with(l, function() order[#order + 1] = "B in" end)
      end)
      local e = corral.spawn("E", function()
        corral.checkpoint()
        corral.sleep(0.005)
        order[#order + 1] = "E try " .. tostring(l:try_acquire())
      end)
      corral.sleep(0.002)
      assert.is_true(l:locked())
      assert.equals(a, l:owner())
      a:join()
      e:join()
      b:join()
      assert.same({ "A in", "E try false", "B in" }, order)
      assert.is_false(l:locked())
      assert.is_nil(l:owner())
    end)
  end)

  it("is not reentrant and only its owner releases it", function()
    vrun(function()
      local l = corral.Lock()
      assert.equals(l, l:acquire())
      assert.equals(corral.current(), l:owner())
      H.assert_error("InvalidState", { "Lock:acquire" }, l.acquire, l)
      H.assert_error("InvalidState", { "Lock:try_acquire" }, l.try_acquire, l)
      local other = corral.spawn(function() return H.raises(l.release, l).kind end)
      assert.equals("InvalidState", other:join())
      l:release()
      H.assert_error("InvalidState", { "Lock:release" }, l.release, l) -- not held
      assert.is_true(l:try_acquire())
      l:release()
    end)
  end)

  it("a waiter that times out or is cancelled is skipped (R27)", function()
    vrun(function()
      local l = corral.lock()
      l:acquire()
      local timed = corral.spawn(function() return H.raises(l.acquire, l, { timeout = 0.001 }).kind end)
      local cancelled = corral.spawn(function() l:acquire() end)
      local last = corral.spawn(function()
        l:acquire()
        l:release()
        return "got it"
      end)
      corral.sleep(0.002)
      assert.equals("Timeout", timed:join())
      cancelled:cancel()
      l:release() -- to `last`, the only live waiter
      assert.equals("got it", last:join())
      H.assert_error("TaskCancelled", {}, cancelled.join, cancelled)
      assert.is_false(l:locked())
    end)
  end)

  it("corral.with acquires, runs and releases, also on errors", function()
    vrun(function()
      local l = corral.lock()
      local r1, r2 = corral.with(l, function(lk, a)
        assert.equals(l, lk)
        assert.is_true(l:locked())
        return a, "two"
      end, "one")
      assert.same({ "one", "two" }, { r1, r2 })
      assert.is_false(l:locked())
      local e = H.raises(corral.with, l, function() error("boom", 0) end)
      assert.equals("boom", e)
      assert.is_false(l:locked())
    end)
  end)

  it("a <close> variable releases it (Lua 5.4)", function()
    local chunk = lua54([[
      local corral, l = ...
      do
        local _ <close> = l:acquire()
        assert(l:locked())
      end
      assert(not l:locked())
      local ok = pcall(function()
        local _ <close> = l:acquire()
        error("x")
      end)
      assert(not ok and not l:locked())
      return true
    ]])
    if not chunk then return end
    vrun(function()
      assert.is_true(chunk(corral, corral.lock()))
    end)
  end)

  it("is owned by tasks only", function()
    local l
    vrun(function()
      l = corral.lock()
      local f = corral.future()
      local kinds = {}
      f:add_done_callback(function()
        kinds[#kinds + 1] = H.raises(l.try_acquire, l).kind
        kinds[#kinds + 1] = H.raises(l.acquire, l).kind
      end)
      f:set_result(1)
      corral.sleep(0.001)
      assert.same({ "InvalidState", "InvalidState" }, kinds)
    end)
  end)
end)

describe("Semaphore and BoundedSemaphore", function()
  it("count permits and hand them to waiters FIFO", function()
    vrun(function()
      local s = corral.semaphore(2)
      assert.equals(2, s:value())
      assert.equals(s, s:acquire())
      assert.is_true(s:try_acquire())
      assert.is_false(s:try_acquire())
      assert.is_true(s:locked())
      local order = {}
      local ts = {}
      for i = 1, 3 do
        ts[i] = corral.spawn(function()
          s:acquire()
          order[#order + 1] = i
        end)
      end
      corral.sleep(0.001)
      s:release()
      s:release()
      corral.sleep(0.001)
      assert.same({ 1, 2 }, order)
      assert.equals(0, s:value())
      s:release()
      ts[3]:join()
      assert.same({ 1, 2, 3 }, order)
      s:release() -- plain: no bound
      s:release()
      s:release()
      assert.equals(3, s:value())
      assert.equals(1, corral.Semaphore():value())
      assert.equals(0, corral.semaphore(0):value())
    end)
  end)

  it("a bounded semaphore refuses a release past its initial value", function()
    vrun(function()
      local b = corral.bounded_semaphore(2)
      assert.equals(corral.BoundedSemaphore, getmetatable(b))
      H.assert_error("InvalidState", { "BoundedSemaphore:release", "too many" }, b.release, b)
      b:acquire()
      b:release()
      H.assert_error("InvalidState", {}, b.release, b)
      assert.equals(2, b:value())
      corral.with(b, function() assert.equals(1, b:value()) end)
      assert.equals(2, b:value())
      assert.equals(1, corral.BoundedSemaphore():value())
    end)
  end)

  it("acquire times out and cancels cleanly", function()
    vrun(function()
      local s = corral.semaphore(0)
      H.assert_error("Timeout", {}, s.acquire, s, { timeout = 0.001 })
      local w = corral.spawn(function() s:acquire() end)
      local w2 = corral.spawn(function() s:acquire(); return "w2" end)
      corral.sleep(0.001)
      w:cancel()
      s:release() -- goes to w2, w left the queue
      assert.equals("w2", w2:join())
      H.assert_error("TaskCancelled", {}, w.join, w)
      assert.equals(0, s:value())
    end)
  end)
end)

describe("Condition", function()
  it("notify(n) and notify_all wake FIFO; woken waiters re-acquire FIFO (S65)", function()
    vrun(function()
      local c = corral.condition()
      local order = {}
      local function w(name)
        corral.with(c, function()
          order[#order + 1] = name .. " waiting"
          c:wait()
          order[#order + 1] = name .. " woken"
        end)
      end
      local ts = { corral.spawn(w, "W1"), corral.spawn(w, "W2"), corral.spawn(w, "W3") }
      corral.sleep(0.001)
      assert.equals(0, corral.condition():notify())
      corral.with(c, function() assert.equals(2, c:notify(2)) end)
      corral.sleep(0.001)
      assert.equals(1, c:notify_all()) -- without the lock: allowed
      for _, t in ipairs(ts) do t:join() end
      assert.same({ "W1 waiting", "W2 waiting", "W3 waiting", "W1 woken", "W2 woken", "W3 woken" }, order)
    end)
  end)

  it("wait needs the lock and always resumes owning it (timeout, cancellation)", function()
    vrun(function()
      local c = corral.condition()
      H.assert_error("InvalidState", { "Condition:wait" }, c.wait, c)
      c:acquire()
      H.assert_error("Timeout", {}, c.wait, c, { timeout = 0.002 })
      assert.is_true(c:locked())
      assert.equals(corral.current(), c:lock():owner())
      c:release()
      local owned
      local x = corral.spawn(function()
        c:acquire()
        local e = H.raises(c.wait, c)
        owned = corral.is_cancelled(e) and c:lock():owner() == corral.current()
        c:release()
        error(e, 0)
      end)
      corral.sleep(0.001)
      c:acquire()
      x:cancel()
      corral.sleep(0.001) -- x cannot resume while we hold the lock
      assert.is_nil(owned)
      c:release()
      H.assert_error("TaskCancelled", {}, x.join, x)
      assert.is_true(owned)
    end)
  end)

  it("wait_for loops on wait until the predicate holds", function()
    vrun(function()
      local c = corral.condition()
      local n = 0
      local w = corral.spawn(function()
        return corral.with(c, function()
          return c:wait_for(function() return n >= 3 and ("n=" .. n) end)
        end)
      end)
      for _ = 1, 4 do
        corral.sleep(0.001)
        corral.with(c, function()
          n = n + 1
          c:notify_all()
        end)
      end
      assert.equals("n=3", w:join())
      corral.with(c, function()
        assert.equals("now", c:wait_for(function() return "now" end)) -- no wait
        H.assert_error("Timeout", {}, c.wait_for, c, function() return false end, { timeout = 0.003 })
        assert.is_true(c:locked())
      end)
      H.assert_error("InvalidArgument", { "Condition:wait_for", "pred" }, c.wait_for, c, 5)
    end)
  end)

  it("can share a lock the caller passes", function()
    vrun(function()
      local l = corral.lock()
      local c = corral.Condition(l)
      assert.equals(l, c:lock())
      l:acquire()
      assert.is_true(c:locked())
      local t = corral.spawn(function()
        c:acquire()
        c:notify()
        c:release()
      end)
      c:wait() -- releases l, so t gets it
      assert.equals(corral.current(), l:owner())
      l:release()
      t:join()
      H.assert_error("InvalidArgument", { "corral.condition", "lock" }, corral.condition, {})
    end)
  end)

  it("<close> releases its lock (Lua 5.4)", function()
    local chunk = lua54([[
      local corral, c = ...
      do
        local _ <close> = c:acquire()
        assert(c:locked())
      end
      return c:locked()
    ]])
    if not chunk then return end
    vrun(function()
      assert.is_false(chunk(corral, corral.condition()))
    end)
  end)
end)

describe("Watch cell", function()
  it("holds a value and a version that counts writes", function()
    vrun(function()
      local w = corral.watch("init")
      local v, ver = w:get()
      assert.equals("init", v)
      assert.equals(0, ver)
      assert.equals(0, w:set({ 1 }))
      assert.same({ 1 }, w:value())
      assert.equals(1, w:version())
      assert.is_nil(corral.Watch():value())
    end)
  end)

  it("next waits for a newer version; the latest write wins (S66)", function()
    vrun(function()
      local w = corral.watch(0)
      local r = corral.spawn(function()
        local v, ver = w:next()
        return v .. "@" .. ver
      end)
      corral.sleep(0.001)
      assert.equals(1, w:readers())
      w:set(1)
      w:set(2)
      assert.equals("2@2", r:join())
      -- after = an old version: returns at once with the current value
      local v, ver = w:next(0)
      assert.same({ 2, 2 }, { v, ver })
      -- a wait that timed out leaves nothing behind
      H.assert_error("Timeout", {}, w.next, w, { timeout = 0.001 })
      H.assert_error("Timeout", {}, w.next, w, nil, { timeout = 0.001 })
      local t = corral.spawn(function()
        corral.sleep(0.001)
        w:set(3)
      end)
      assert.equals(3, (w:next(ver)))
      t:join()
      H.assert_error("InvalidArgument", { "Watch:next", "after" }, w.next, w, "x")
    end)
  end)

  it("wait_for returns at once on a match, else waits for a matching write", function()
    vrun(function()
      local w = corral.watch(5)
      assert.same({ 5, 0 }, { w:wait_for(function(x) return x > 1 end) })
      local r = corral.spawn(function() return (w:wait_for(function(x) return x >= 10 end)) end)
      for i = 6, 12, 2 do
        corral.sleep(0.001)
        w:set(i)
      end
      assert.equals(10, r:join())
      H.assert_error("Timeout", {}, w.wait_for, w, function() return false end, { timeout = 0.002 })
    end)
  end)

  it("put waits until a reader waits; cancelled or timed out it writes nothing", function()
    vrun(function()
      local base = corral._debug.host_tokens()
      local w = corral.watch(0)
      H.assert_error("Timeout", {}, w.put, w, { "never" }, { timeout = 0.001 })
      assert.equals(0, w:version())
      local p = corral.spawn(function() w:put({ "hello" }) end)
      local c = corral.spawn(function() w:put({ "cancelled" }) end)
      corral.sleep(0.001)
      c:cancel()
      H.assert_error("TaskCancelled", {}, c.join, c)
      assert.equals(0, w:version())
      local v, ver = w:next() -- a reader waits: p's write happens
      assert.same({ "hello" }, v)
      assert.equals(1, ver)
      p:join()
      w:set(nil)
      corral.sleep(0.001)
      assert.equals(base, corral._debug.host_tokens())
    end)
  end)
end)

describe("awaitable_predicate", function()
  it("waits on a condition; a timeout does not poison later waits", function()
    vrun(function()
      local ready = false
      local ap = corral.awaitable_predicate(function() return ready end, nil, { timeout = 0.002 })
      assert.is_false(ap:check())
      assert.is_false(ap())
      H.assert_error("Timeout", {}, ap.wait, ap)
      assert.equals(2, H.ms())
      local c = ap.condition
      local t = corral.spawn(function()
        corral.sleep(0.001)
        corral.with(c, function()
          ready = true
          c:notify_all()
        end)
      end)
      assert.is_true(ap:wait()) -- a fresh wait, with its own timeout
      t:join()
      ready = false
      H.assert_error("Timeout", {}, ap.wait, ap, { timeout = 0.001 }) -- not one-shot either
      assert.is_false(c:locked())
      H.assert_error("InvalidArgument", { "corral.awaitable_predicate", "pred" }, corral.awaitable_predicate, 1)
      H.assert_error("InvalidArgument", { "unknown option" }, corral.awaitable_predicate, print, nil, { x = 1 })
    end)
  end)
end)

--- corral/sync.lua - synchronization primitives (R27, R31, R65), installed into `corral` by
-- corral/init.lua: Event, Lock, Semaphore and BoundedSemaphore, Condition, the watch cell
-- (codestare's `accessor` done right) and awaitable_predicate.
--
-- Each object wraps a corral.core handle ({ud = handle, run = run}); every wait is the core's
-- operation (CORRAL_OP_EVENT_WAIT, LOCK_ACQUIRE, SEM_ACQUIRE, COND_WAIT, WATCH_NEXT,
-- WATCH_PUT) yielded to the driver: a checkpoint (R23) with a per-call deadline, FIFO among
-- waiters, cancellation-safe (a cancelled or timed-out waiter leaves with no effect, a
-- hand-off that came first wins, R27) and without barging (a released lock or permit goes
-- straight to the first waiter).
--
-- Lua has no keyword arguments: the per-call deadline is a trailing argument, either a
-- number (an absolute deadline) or an options table {deadline =, timeout =}. Lock, Semaphore
-- and Condition are released by a Lua 5.4 `<close>` variable (`local _ <close> =
-- lock:acquire()`) or by corral.with(obj, fn, ...), which acquires first (every Lua).
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local core = I.core
  local argerr, raise, need_run, not_in_task = I.argerr, I.raise, I.need_run, I.not_in_task
  local wait_deadline, task_cos, getmt, callable = I.wait_deadline, I.task_cos, I.getmt, I.callable
  local type, error, setmetatable, pairs, pcall, tostring, floor = type, error, setmetatable,
      pairs, pcall, tostring, math.floor
  local co_yield, co_running = coroutine.yield, coroutine.running

  local OP_EVENT_WAIT, OP_LOCK_ACQUIRE, OP_SEM_ACQUIRE = core.OP_EVENT_WAIT,
      core.OP_LOCK_ACQUIRE, core.OP_SEM_ACQUIRE
  local OP_COND_WAIT, OP_WATCH_NEXT, OP_WATCH_PUT = core.OP_COND_WAIT, core.OP_WATCH_NEXT,
      core.OP_WATCH_PUT

  local function class(name)
    local C = {}
    C.__index = C
    C.__name = name
    C.__tostring = function() return name end
    return C
  end

  local Event, Lock, Semaphore = class("corral.Event"), class("corral.Lock"), class("corral.Semaphore")
  local Condition, Watch = class("corral.Condition"), class("corral.Watch")
  M.Event, M.Lock, M.Semaphore, M.Condition, M.Watch = Event, Lock, Semaphore, Condition, Watch

  local what = {
    [Event] = "event", [Lock] = "lock", [Semaphore] = "semaphore", [Condition] = "condition",
    [Watch] = "watch cell",
  }

  -- self must be an object of class C (BoundedSemaphore counts as Semaphore); with `live`,
  -- its run must not be over.
  local function check(self, C, fname, live)
    local mt = getmt(self)
    if mt ~= C and not (C == Semaphore and mt == M.BoundedSemaphore) then
      argerr(fname, 1, "self", C.__name, self)
    end
    if live and self.run.closed then
      error(M.error("Closed", fname .. ": the " .. what[C] .. "'s run is over"), 0)
    end
    return self.ud
  end

  -- A blocking operation of the running task: checks, the deadline (once), the yield.
  -- Returns the status and value the core's await delivered.
  -- The waits below first try a fast path in their own frame (no deadline, a live object of
  -- the right class, in a task) and yield right there: a parked task keeps its coroutine's
  -- stack, and in Lua 5.4 yielding one frame deeper (from here) doubled that stack - about
  -- 600 bytes per parked task (bench/lua "memory per parked task").
  local function block(fname, self, C, op, opts, value)
    if not task_cos[co_running()] then not_in_task(fname) end
    local ud = check(self, C, fname, true)
    local dl = -1
    if opts ~= nil then dl = wait_deadline(fname, 1, opts) end
    return co_yield(op, ud, dl, value)
  end

  -- Raise the error a wait ended with; a refused operation (InvalidState, InvalidArgument:
  -- the core's message) is named after the Lua method.
  local PREFIXED = { InvalidState = true, InvalidArgument = true }
  local function fail(fname, e)
    if type(e) == "table" and PREFIXED[e.kind] and type(e.msg) == "string" and
        e.msg:sub(1, #fname) ~= fname then
      e.msg = fname .. ": " .. e.msg
    end
    error(e, 0)
  end

  -- The same with a deadline already in nanoseconds (loops: wait_for).
  local function block_ns(self, op, dl, value)
    return co_yield(op, self.ud, dl, value)
  end

  -- The task that owns locks taken here: the running task (nil outside any task).
  local function owner_task(fname)
    local t = M.current()
    if not t then
      error(M.error("InvalidState", fname .. ": not called from a corral task (locks are owned by tasks)"), 0)
    end
    return t
  end

  local function new(fname, C, rc, ud, run, fields)
    if rc < 0 then raise(rc, fname) end
    local o = fields or {}
    o.ud, o.run = ud, run
    return setmetatable(o, C)
  end

  -- ---------------------------------------------------------------------------------------
  -- Event: a sticky flag; set wakes every waiter, FIFO
  -- ---------------------------------------------------------------------------------------

  --- corral.event() (or corral.Event()) -> an event that is not set.
  function M.event()
    local run = need_run("corral.event")
    local rc, e = core.event_new(run.rt)
    return new("corral.event", Event, rc, e, run)
  end

  --- Set the flag (idempotent): every waiter resumes, FIFO. Returns how many were woken.
  function Event:set()
    local rc = core.event_set(check(self, Event, "Event:set", true))
    if rc < 0 then raise(rc, "Event:set") end
    return rc
  end

  --- Clear the flag: later waits park again (waiters already woken stay woken).
  function Event:clear()
    local rc = core.event_clear(check(self, Event, "Event:clear", true))
    if rc < 0 then raise(rc, "Event:clear") end
  end

  function Event:is_set()
    return core.event_is_set(check(self, Event, "Event:is_set")) == 1
  end

  --- event:wait([deadline | {deadline =, timeout =}]) -> true. A checkpoint, also when the
  -- event is set; raises Timeout at the deadline.
  function Event:wait(opts)
    local st, v
    if opts == nil and getmt(self) == Event and task_cos[co_running()] and not self.run.closed then
      st, v = co_yield(OP_EVENT_WAIT, self.ud, -1)
    else
      st, v = block("Event:wait", self, Event, OP_EVENT_WAIT, opts)
    end
    if st ~= 0 then fail("Event:wait", v) end
    return true
  end

  -- ---------------------------------------------------------------------------------------
  -- Lock: owned by a task, FIFO hand-off, not reentrant
  -- ---------------------------------------------------------------------------------------

  --- corral.lock() (or corral.Lock()) -> an unlocked lock.
  function M.lock()
    local run = need_run("corral.lock")
    local rc, l = core.lock_new(run.rt)
    return new("corral.lock", Lock, rc, l, run)
  end

  --- lock:acquire([deadline | opts]) -> lock (for `local _ <close> = lock:acquire()`).
  -- A checkpoint; the running task becomes the owner. InvalidState if it already owns it
  -- (not reentrant), Timeout at the deadline.
  local function lock_acquire(self, opts, fname)
    local st, v
    if opts == nil and getmt(self) == Lock and task_cos[co_running()] and not self.run.closed then
      st, v = co_yield(OP_LOCK_ACQUIRE, self.ud, -1)
    else
      st, v = block(fname, self, Lock, OP_LOCK_ACQUIRE, opts)
    end
    if st ~= 0 then fail(fname, v) end
    return self
  end

  function Lock:acquire(opts) return lock_acquire(self, opts, "Lock:acquire") end

  --- Take the lock for the running task if it is free and nobody waits: true/false. Not a
  -- checkpoint. InvalidState if the task already owns it.
  local function lock_try_acquire(self, fname)
    local ud = check(self, Lock, fname, true)
    local rc = core.lock_try_acquire(ud, owner_task(fname))
    if rc < 0 then raise(rc, fname) end
    return rc == 1
  end

  function Lock:try_acquire() return lock_try_acquire(self, "Lock:try_acquire") end

  --- Release by the owner: ownership passes to the first waiter at once (no barging).
  -- InvalidState when the lock is not held by the running task.
  local function lock_release(self, fname)
    local ud = check(self, Lock, fname, true)
    local rc = core.lock_release(ud, owner_task(fname))
    if rc < 0 then raise(rc, fname) end
  end

  function Lock:release() lock_release(self, "Lock:release") end

  function Lock:locked()
    return core.lock_locked(check(self, Lock, "Lock:locked")) == 1
  end

  --- The owning task (a handle, == the one spawn returned), or nil.
  function Lock:owner()
    return core.lock_owner(check(self, Lock, "Lock:owner"))
  end

  Lock.__close = function(l) l:release() end
  Lock.__corral_enter = function(l) l:acquire() end

  -- ---------------------------------------------------------------------------------------
  -- Semaphore and BoundedSemaphore
  -- ---------------------------------------------------------------------------------------
  local BoundedSemaphore = class("corral.BoundedSemaphore")
  M.BoundedSemaphore = BoundedSemaphore

  local function semaphore(fname, C, value, bounded)
    local run = need_run(fname)
    if value == nil then value = 1 end
    if type(value) ~= "number" or value ~= floor(value) or value < 0 or value >= 2 ^ 63 then
      argerr(fname, 1, "value", "non-negative integer", value)
    end
    local rc, s = core.semaphore_new(run.rt, value, bounded and value or -1)
    return new(fname, C, rc, s, run)
  end

  --- corral.semaphore([value = 1]) (or corral.Semaphore(value)) -> a semaphore with `value`
  -- permits.
  function M.semaphore(value) return semaphore("corral.semaphore", Semaphore, value, false) end
  --- corral.bounded_semaphore([value = 1]) (or corral.BoundedSemaphore(value)): releasing
  -- past `value` free permits raises InvalidState (asyncio: ValueError).
  function M.bounded_semaphore(value)
    return semaphore("corral.bounded_semaphore", BoundedSemaphore, value, true)
  end

  --- sem:acquire([deadline | opts]) -> sem. A checkpoint; FIFO among waiters.
  function Semaphore:acquire(opts)
    local st, v
    local mt = getmt(self)
    if opts == nil and (mt == Semaphore or mt == M.BoundedSemaphore) and task_cos[co_running()] and
        not self.run.closed then
      st, v = co_yield(OP_SEM_ACQUIRE, self.ud, -1)
    else
      st, v = block("Semaphore:acquire", self, Semaphore, OP_SEM_ACQUIRE, opts)
    end
    if st ~= 0 then fail("Semaphore:acquire", v) end
    return self
  end

  --- Take a permit if one is free and nobody waits: true/false. Not a checkpoint.
  function Semaphore:try_acquire()
    local rc = core.semaphore_try_acquire(check(self, Semaphore, "Semaphore:try_acquire", true))
    if rc < 0 then raise(rc, "Semaphore:try_acquire") end
    return rc == 1
  end

  --- Give a permit back: to the first waiter, or counted. A bounded semaphore already at its
  -- bound raises InvalidState.
  function Semaphore:release()
    local rc = core.semaphore_release(check(self, Semaphore, "Semaphore:release", true))
    if rc < 0 then
      if rc == core.EINVALIDSTATE and getmt(self) == BoundedSemaphore then
        error(M.error("InvalidState", "BoundedSemaphore:release: released too many times"), 0)
      end
      raise(rc, "Semaphore:release")
    end
  end

  --- Free permits now (0 while tasks wait).
  function Semaphore:value()
    return core.semaphore_value(check(self, Semaphore, "Semaphore:value"))
  end

  --- True when an acquire would wait (asyncio's locked()).
  function Semaphore:locked()
    return core.semaphore_value(check(self, Semaphore, "Semaphore:locked")) == 0
  end

  Semaphore.__close = function(s) s:release() end
  Semaphore.__corral_enter = function(s) s:acquire() end
  for k, v in pairs(Semaphore) do
    if BoundedSemaphore[k] == nil then BoundedSemaphore[k] = v end
  end

  -- ---------------------------------------------------------------------------------------
  -- Condition (R65): wait releases the lock and resumes owning it again, whatever ended it
  -- ---------------------------------------------------------------------------------------

  local function wrap_lock(ud, run) return setmetatable({ ud = ud, run = run }, Lock) end

  --- corral.condition([lock]) (or corral.Condition(lock)) -> a condition over `lock` (a
  -- corral.Lock; nil: a lock of its own, cond:lock()).
  function M.condition(lock)
    local run = need_run("corral.condition")
    if lock ~= nil and getmt(lock) ~= Lock then
      argerr("corral.condition", 1, "lock", "corral.Lock or nil", lock)
    end
    local rc, c = core.condition_new(run.rt, lock and lock.ud or nil)
    if rc < 0 then raise(rc, "corral.condition") end
    return setmetatable({ ud = c, run = run, lk = lock or wrap_lock(core.condition_lock(c), run) }, Condition)
  end

  --- The condition's lock (a corral.Lock).
  function Condition:lock()
    check(self, Condition, "Condition:lock")
    return self.lk
  end

  --- cond:acquire([deadline | opts]) -> cond: acquire the lock (for `<close>`, corral.with).
  function Condition:acquire(opts)
    check(self, Condition, "Condition:acquire")
    lock_acquire(self.lk, opts, "Condition:acquire")
    return self
  end

  function Condition:try_acquire()
    check(self, Condition, "Condition:try_acquire")
    return lock_try_acquire(self.lk, "Condition:try_acquire")
  end

  function Condition:release()
    check(self, Condition, "Condition:release")
    lock_release(self.lk, "Condition:release")
  end

  function Condition:locked()
    check(self, Condition, "Condition:locked")
    return self.lk:locked()
  end

  --- cond:wait([deadline | opts]) -> true. The running task must own the lock (else
  -- InvalidState); it is released while waiting. Whatever ends the wait (notify,
  -- cancellation, the deadline), the task resumes only once it owns the lock again (FIFO,
  -- shielded, R65), then returns or raises Cancelled / Timeout.
  function Condition:wait(opts)
    local st, v
    if opts == nil and getmt(self) == Condition and task_cos[co_running()] and
        not self.run.closed then
      st, v = co_yield(OP_COND_WAIT, self.ud, -1)
    else
      st, v = block("Condition:wait", self, Condition, OP_COND_WAIT, opts)
    end
    if st ~= 0 then fail("Condition:wait", v) end
    return true
  end

  -- wait_for's loop with a deadline in nanoseconds (-1: none).
  local function wait_for_ns(self, pred, dl)
    local r = pred()
    while not r do
      local st, v = block_ns(self, OP_COND_WAIT, dl)
      if st ~= 0 then fail("Condition:wait_for", v) end
      r = pred()
    end
    return r
  end

  --- cond:wait_for(pred [, deadline | opts]) -> pred's first true value: a loop on wait
  -- (pred() is called with the lock held; returns at once if it is already true). One
  -- deadline for the whole loop.
  function Condition:wait_for(pred, opts)
    if not task_cos[co_running()] then not_in_task("Condition:wait_for") end
    check(self, Condition, "Condition:wait_for", true)
    if not callable(pred) then argerr("Condition:wait_for", 1, "pred", "function", pred) end
    local dl = -1
    if opts ~= nil then dl = wait_deadline("Condition:wait_for", 2, opts) end
    return wait_for_ns(self, pred, dl)
  end

  --- Wake up to n waiters (default 1), FIFO; each resumes once it owns the lock again.
  -- Returns how many were woken. The caller need not own the lock.
  function Condition:notify(n)
    local ud = check(self, Condition, "Condition:notify", true)
    if n == nil then n = 1 end
    if type(n) ~= "number" or n ~= floor(n) or n < 0 then
      argerr("Condition:notify", 1, "n", "non-negative integer", n)
    end
    if n > 2147483647 then n = -1 end
    local rc = core.condition_notify(ud, n)
    if rc < 0 then raise(rc, "Condition:notify") end
    return rc
  end

  --- Wake every waiter, FIFO.
  function Condition:notify_all()
    local rc = core.condition_notify(check(self, Condition, "Condition:notify_all", true), -1)
    if rc < 0 then raise(rc, "Condition:notify_all") end
    return rc
  end

  Condition.__close = function(c) lock_release(c.lk, "Condition:release") end
  Condition.__corral_enter = function(c) lock_acquire(c.lk, nil, "Condition:acquire") end

  -- ---------------------------------------------------------------------------------------
  -- Watch cell (R65): a value and a version counting writes
  -- ---------------------------------------------------------------------------------------

  --- corral.watch([initial]) (or corral.Watch(initial)) -> a watch cell holding `initial`
  -- (version 0).
  function M.watch(initial)
    local run = need_run("corral.watch")
    local rc, w = core.watch_new(run.rt, initial)
    return new("corral.watch", Watch, rc, w, run)
  end

  --- w:get() -> value, version (now; not a checkpoint).
  function Watch:get()
    local rc, v, ver = core.watch_get(check(self, Watch, "Watch:get", true))
    if rc < 0 then raise(rc, "Watch:get") end
    return v, ver
  end

  function Watch:value()
    return (Watch.get(self))
  end

  function Watch:version()
    local _, ver = Watch.get(self)
    return ver
  end

  --- Store v, bump the version, wake every waiting reader (FIFO). Returns how many were
  -- woken. Not a checkpoint.
  function Watch:set(v)
    local rc = core.watch_set(check(self, Watch, "Watch:set", true), v)
    if rc < 0 then raise(rc, "Watch:set") end
    return rc
  end

  --- Readers waiting now.
  function Watch:readers()
    return core.watch_readers(check(self, Watch, "Watch:readers"))
  end

  -- Wait for a version newer than `seen` (deadline in ns); -> value, version then current.
  local function next_after(self, seen, dl)
    local st, v = block_ns(self, OP_WATCH_NEXT, dl, seen)
    if st ~= 0 then fail("Watch:next", v) end
    return Watch.get(self)
  end

  --- w:next([after] [, deadline | opts]) -> value, version: waits for a version newer than
  -- `after` (default: the current one, i.e. the next write) and returns the value current
  -- when the reader runs (several writes before that: the latest wins). At once if the
  -- version is already newer. A checkpoint. Keep the version to miss no write: a wait that
  -- timed out or was cancelled leaves nothing behind.
  function Watch:next(after, opts)
    if not task_cos[co_running()] then not_in_task("Watch:next") end
    local ud = check(self, Watch, "Watch:next", true)
    if type(after) == "table" and opts == nil then after, opts = nil, after end
    if after == nil then
      local _
      _, _, after = core.watch_get(ud)
    elseif type(after) ~= "number" or after ~= floor(after) then
      argerr("Watch:next", 1, "after", "integer version or nil", after)
    end
    local dl = -1
    if opts ~= nil then dl = wait_deadline("Watch:next", 2, opts) end
    return next_after(self, after, dl)
  end

  --- w:wait_for(pred [, deadline | opts]) -> value, version: the first value with pred(value)
  -- true, at once if the current one matches (a checkpoint only when it waits). One deadline
  -- for the whole wait.
  function Watch:wait_for(pred, opts)
    if not task_cos[co_running()] then not_in_task("Watch:wait_for") end
    check(self, Watch, "Watch:wait_for", true)
    if not callable(pred) then argerr("Watch:wait_for", 1, "pred", "function", pred) end
    local dl = -1
    if opts ~= nil then dl = wait_deadline("Watch:wait_for", 2, opts) end
    local v, ver = Watch.get(self)
    while not pred(v) do
      v, ver = next_after(self, ver, dl)
    end
    return v, ver
  end

  --- w:put(v [, deadline | opts]): a write that waits until a reader waits (R65), then
  -- stores v as set does. A checkpoint; cancelled or timed out, it writes nothing.
  function Watch:put(v, opts)
    local st, e = block("Watch:put", self, Watch, OP_WATCH_PUT, opts, v)
    if st ~= 0 then fail("Watch:put", e) end
  end

  -- ---------------------------------------------------------------------------------------
  -- awaitable_predicate (codestare), without its one-shot and poisoning bugs
  -- ---------------------------------------------------------------------------------------
  local AwaitablePredicate = class("corral.AwaitablePredicate")
  M.AwaitablePredicate = AwaitablePredicate

  --- corral.awaitable_predicate(pred [, cond [, opts]]) -> ap. `ap:wait([deadline | opts])`
  -- acquires cond, waits until pred() is true (cond:wait_for), releases, and returns pred's
  -- value; `opts.timeout` (here or per call) bounds each wait on its own, so a wait that
  -- timed out leaves the next one unaffected. `ap:check()` (also `ap()`) evaluates pred now.
  -- Changes are seen when someone notifies `cond` (default: a new condition, `ap.condition`).
  function M.awaitable_predicate(pred, cond, opts)
    local fname = "corral.awaitable_predicate"
    if not callable(pred) then argerr(fname, 1, "pred", "function", pred) end
    if cond == nil then cond = M.condition() end
    if getmt(cond) ~= Condition then argerr(fname, 2, "cond", "corral.Condition or nil", cond) end
    local timeout = nil
    if opts ~= nil then
      if type(opts) ~= "table" then argerr(fname, 3, "opts", "table or nil", opts) end
      for k in pairs(opts) do
        if k ~= "timeout" then
          error(M.error("InvalidArgument", fname .. ": bad argument #3 'opts' (unknown option '" .. tostring(k) .. "')"), 0)
        end
      end
      timeout = opts.timeout
      if timeout ~= nil and type(timeout) ~= "number" then argerr(fname, 3, "opts.timeout", "number", timeout) end
    end
    return setmetatable({ pred = pred, condition = cond, timeout = timeout }, AwaitablePredicate)
  end

  function AwaitablePredicate:check()
    return self.pred()
  end
  AwaitablePredicate.__call = AwaitablePredicate.check

  function AwaitablePredicate:wait(opts)
    if not task_cos[co_running()] then not_in_task("AwaitablePredicate:wait") end
    if getmt(self) ~= AwaitablePredicate then
      argerr("AwaitablePredicate:wait", 1, "self", "corral.AwaitablePredicate", self)
    end
    if opts == nil and self.timeout ~= nil then opts = { timeout = self.timeout } end
    local dl = -1
    if opts ~= nil then dl = wait_deadline("AwaitablePredicate:wait", 1, opts) end
    local cond = self.condition
    local st, e = block_ns(cond.lk, OP_LOCK_ACQUIRE, dl) -- the same deadline bounds both
    if st ~= 0 then fail("AwaitablePredicate:wait", e) end
    local ok, r = pcall(wait_for_ns, cond, self.pred, dl)
    lock_release(cond.lk, "AwaitablePredicate:wait") -- owned again whatever ended the wait (R65)
    if not ok then error(r, 0) end
    return r
  end

  -- hat-style class calls: corral.Event(), corral.Lock(), corral.Semaphore(n), ...
  setmetatable(Event, { __call = function() return M.event() end })
  setmetatable(Lock, { __call = function() return M.lock() end })
  setmetatable(Semaphore, { __call = function(_, v) return M.semaphore(v) end })
  setmetatable(BoundedSemaphore, { __call = function(_, v) return M.bounded_semaphore(v) end })
  setmetatable(Condition, { __call = function(_, l) return M.condition(l) end })
  setmetatable(Watch, { __call = function(_, v) return M.watch(v) end })
end

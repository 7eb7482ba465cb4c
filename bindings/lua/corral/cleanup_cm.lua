--- corral/cleanup_cm.lua - context managers: the protocol, corral.with / corral.enter,
-- corral.contextmanager (R68), corral.closing_async and <close> on tasks; installed into
-- `corral` by corral/init.lua.
--
-- A context manager (CM) is any value with two methods: cm:enter() -> value, and
-- cm:exit(err) -> suppress, where err is the error in flight (nil when none) and returning
-- true suppresses an ordinary error (never Cancelled). Objects that only have a __close
-- metamethod (groups, queues, futures, locks, ...) are used by corral.with as before.
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local core = I.core
  local argerr, callable, check_fn, pack, unpack = I.argerr, I.callable, I.check_fn, I.pack, I.unpack
  local chain, cleanup_enter, cleanup_exit = I.chain, I.cleanup_enter, I.cleanup_exit
  local TaskMT, Task = I.TaskMT, I.Task
  local type, setmetatable, getmetatable, pcall, error, rawget =
      type, setmetatable, getmetatable, pcall, error, rawget
  local co_create, co_yield, co_running = coroutine.create, coroutine.yield, coroutine.running
  local co_close = coroutine.close -- Lua 5.4 only
  local is_cancelled = M.is_cancelled

  -- The enter method of a context manager, or nil (indexing may fail on foreign values).
  local function cm_enter_of(cm)
    local t = type(cm)
    if t ~= "table" and t ~= "userdata" then return nil end
    local ok, enter = pcall(function() return cm.enter end)
    if ok and callable(enter) then return enter end
    return nil
  end
  I.cm_enter_of = cm_enter_of
  local cm_exit_of = I.cm_exit_of

  --- corral.is_context_manager(x) -> true when x has callable enter and exit methods.
  function M.is_context_manager(x)
    return cm_enter_of(x) ~= nil and cm_exit_of(x) ~= nil
  end

  -- The body of corral.with ended with err (nil when it returned): let the CM's exit see it,
  -- as managed cleanup (R66). Returns normally when nothing failed or the exit suppressed
  -- err; raises err, or the exit's own error (with err as its context).
  local function exit_with(cm, exit, err)
    local ok, suppress
    local own = I.self_managed[getmetatable(cm)]
    if own then -- corral's own CMs: their exit does it itself
      ok, suppress = pcall(exit, cm, err)
      if not ok and suppress == nil then suppress = M.error("LuaError", "nil") end
    else
      ok, suppress = I.managed_exit("corral.with", cm, exit, err, nil)
    end
    if not ok then error(chain(suppress, err), 0) end
    if err == nil or suppress == true and (own or not is_cancelled(err)) then
      -- (corral's own CMs apply R68 themselves: true means nothing is left to raise, e.g. an
      -- exit stack whose callback error replaced Cancelled and was then suppressed - the
      -- cancellation stays pending and comes back at the next checkpoint, R24)
      return
    end
    error(err, 0)
  end

  --- corral.with(obj, fn, ...) -> fn's results: the portable `async with` (and the form of
  -- every Lua version of `local x <close> = ...`).
  -- * obj a context manager (enter/exit methods): v = obj:enter(); fn(v, ...); then
  --   obj:exit(err) with the error fn raised (nil when it returned). If exit returns true,
  --   an ordinary error is suppressed (corral.with then returns nothing); Cancelled never is
  --   (R68). An error raised by exit replaces the body's one, which becomes its context
  --   (R67; not when the body's error is Cancelled). If enter raises, fn does not run and
  --   exit is not called. exit runs as managed cleanup (R66: shielded, with the grace of the
  --   nearest group's cleanup_timeout), so it may block after the body was cancelled; an
  --   exit the grace cuts short counts as returning false (CleanupTimeout goes to the
  --   handler chain). Outside a corral task exit runs without a cleanup scope. corral's own
  --   CMs (I.self_managed) do that in their exit, with their own grace.
  -- * obj a closable corral object (a __close metamethod: Group, Resource, Queue, Future,
  --   Task, Lock, Semaphore, Condition, ...): fn(obj, ...), then obj is closed the way a
  --   <close> variable would close it (Group: async_close(true) as managed cleanup), also
  --   when fn raised; a Lock, Semaphore or Condition is acquired first. A Group or Resource
  --   that is already closing or closed raises GroupClosed: fn does not run (R50).
  -- Raises InvalidArgument when obj is neither, or fn is not callable.
  function M.with(obj, fn, ...)
    local enter, exit = cm_enter_of(obj), cm_exit_of(obj)
    local mt = getmetatable(obj)
    local close = type(mt) == "table" and rawget(mt, "__close")
    if not (enter and exit) and not close then
      argerr("corral.with", 1, "obj", "a context manager or a closable corral object", obj)
    end
    check_fn("corral.with", 2, fn)
    if enter and exit then
      local v = enter(obj)
      local res = pack(pcall(fn, v, ...))
      if res[1] then
        exit_with(obj, exit, nil)
        return unpack(res, 2, res.n)
      end
      local err = res[2]
      if err == nil then err = M.error("LuaError", "nil") end
      exit_with(obj, exit, err)
      return
    end
    local corral_enter = rawget(mt, "__corral_enter")
    if corral_enter then corral_enter(obj, "corral.with") end
    local res = pack(pcall(fn, obj, ...))
    if res[1] then
      close(obj, nil)
      return unpack(res, 2, res.n)
    end
    close(obj, res[2])
    error(res[2], 0)
  end

  --- corral.enter(cm) -> cm, value: enters cm and returns it with its value, for Lua 5.4's
  -- `local cm <close>, v = corral.enter(x)` (the variable closes cm at scope exit; if enter
  -- raises, nothing is closed). cm is a context manager with a __close metamethod
  -- (ExitStack, corral.contextmanager CMs, closing_async, actxgroup), or a closable corral
  -- object that corral.with enters (Group, Resource, the free presets: GroupClosed once
  -- closing, R50; Lock, Semaphore, Condition: acquired); then the value is cm itself.
  -- Raises InvalidArgument otherwise.
  function M.enter(cm)
    local enter = cm_enter_of(cm)
    local mt = getmetatable(cm)
    local close = type(mt) == "table" and rawget(mt, "__close")
    if close and not enter then
      local corral_enter = rawget(mt, "__corral_enter")
      if corral_enter then
        corral_enter(cm, "corral.enter")
        return cm, cm
      end
    end
    if not enter or not close then
      argerr("corral.enter", 1, "cm", "a context manager with a __close metamethod", cm)
    end
    return cm, enter(cm)
  end

  -- -------------------------------------------------------------------------------------
  -- corral.contextmanager (contextlib.asynccontextmanager, R68)
  -- -------------------------------------------------------------------------------------
  -- The generator is a function(yield, ...) run in a coroutine of its own, resumed inside the
  -- task that enters or exits the CM (I.resume_in_task), so it may block like any task code.
  -- yield(v) hands v to the with-body; at exit yield returns (normal exit) or raises the
  -- body's error (exceptional exit).
  local YIELD, SEND, THROW = {}, {}, {}

  local GenCM = {}
  GenCM.__index = GenCM
  GenCM.__name = "corral.ContextManager"
  M.ContextManager = GenCM
  I.self_managed[GenCM] = true

  local function check_gen(self, fname)
    if getmetatable(self) ~= GenCM then argerr(fname, 1, "self", "corral.ContextManager", self) end
  end

  -- (the messages are R68's own, as in every language; the Lua traceback names the call)
  local function invalid(fname, what) return M.error("InvalidState", what) end

  -- Leave a generator that misbehaved: Lua 5.4 closes its pending <close> variables.
  local function abandon(self)
    self.state = "done"
    if co_close then pcall(co_close, self.co) end
  end

  --- cm:enter() -> the value the generator yielded (R68: run to the first yield). Raises the
  -- generator's error, InvalidState("... didn't yield") when it finished without yielding,
  -- InvalidState when entered twice.
  function GenCM:enter()
    local fname = "ContextManager:enter"
    check_gen(self, fname)
    if self.state ~= "new" then error(M.error("InvalidState", fname .. ": already entered"), 0) end
    self.state = "entering"
    local args = self.args
    local r = I.resume_in_task(fname, self.co, YIELD, self.yield, unpack(args, 1, args.n))
    if not r[1] then
      self.state = "done"
      error(r[2], 0)
    end
    if r[2] ~= YIELD then
      self.state = "done"
      error(invalid(fname, "didn't yield"), 0)
    end
    self.state = "entered"
    return unpack(r, 3, r.n)
  end

  -- Resume the generator for the exit, inside a managed-cleanup scope (R66). Returns the
  -- suppress flag or raises (see GenCM:exit).
  local function finish(self, fname, err)
    local task = I.current_task()
    if not task then I.not_in_task(fname) end
    local s = cleanup_enter(fname, task, nil)
    local r
    if err == nil then
      r = I.resume_in_task(fname, self.co, YIELD, SEND)
    else
      r = I.resume_in_task(fname, self.co, YIELD, THROW, err)
    end
    local yielded = r[1] and r[2] == YIELD
    if yielded then abandon(self) else self.state = "done" end
    -- a Cancelled the generator raised when the grace ran out belongs to the cleanup scope:
    -- the scope absorbs it, CleanupTimeout goes to the handlers, the outcome in flight stays
    local cancelled = not r[1] and is_cancelled(r[2])
    cleanup_exit(fname, s, cancelled)
    if cancelled and core.scope_cancelled_caught(s) == 1 then return false end
    if not r[1] then
      local e = r[2]
      if e == nil then e = M.error("LuaError", "nil") end
      if e == err then return false end -- the generator re-raised the error in flight
      error(chain(e, err), 0)
    end
    if yielded then
      if err == nil then error(invalid(fname, "didn't stop"), 0) end
      error(chain(invalid(fname, "didn't stop after throw"), err), 0)
    end
    return err ~= nil and not is_cancelled(err)
  end

  --- cm:exit(err) -> true when err was suppressed (R68). err = nil: resume the generator
  -- after its yield; it must finish (InvalidState "didn't stop" if it yields again). err
  -- given: yield raises err in the generator; finishing suppresses err (not Cancelled),
  -- yielding again raises InvalidState "didn't stop after throw", raising another error
  -- raises that one (context = err). Runs as managed cleanup (R66). Raises InvalidState when
  -- the CM is not entered.
  function GenCM:exit(err)
    local fname = "ContextManager:exit"
    check_gen(self, fname)
    if self.state ~= "entered" then error(M.error("InvalidState", fname .. ": not entered"), 0) end
    self.state = "exiting"
    return finish(self, fname, err)
  end

  -- Lua 5.4 <close>: exit with the error in flight when entered (a CM whose enter never ran
  -- or failed is left alone); a suppression cannot take effect (Lua re-raises err).
  GenCM.__close = function(self, err)
    if self.state ~= "entered" then return end
    self.state = "exiting"
    finish(self, "ContextManager:__close", err)
  end
  GenCM.__tostring = function(self) return "corral.ContextManager(" .. self.state .. ")" end

  --- corral.contextmanager(genfn) -> factory (contextlib.asynccontextmanager).
  -- factory(...) returns a fresh context manager; entering it runs genfn(yield, ...) in the
  -- entering task up to its call of yield(value) (value is what enter returns); exiting it
  -- resumes genfn after that call - yield returns when nothing failed, or raises the error in
  -- flight, which genfn may catch (pcall) to suppress it - and genfn must then return. genfn
  -- may block anywhere (sleep, join, ...). Raises InvalidArgument when genfn is not callable.
  function M.contextmanager(genfn)
    check_fn("corral.contextmanager", 1, genfn)
    return function(...)
      local self = setmetatable({ state = "new", args = pack(...) }, GenCM)
      local co = co_create(genfn)
      self.co = co
      self.yield = function(...)
        if co_running() ~= co then
          error(M.error("InvalidState", "yield: called outside its context manager's generator"), 2)
        end
        local r = pack(co_yield(YIELD, ...))
        if r[1] == THROW then error(r[2], 0) end
      end
      return self
    end
  end
  M.asynccontextmanager = M.contextmanager

  -- -------------------------------------------------------------------------------------
  -- corral.closing_async (aiotools closing_async)
  -- -------------------------------------------------------------------------------------
  local Closing = {}
  Closing.__index = Closing
  Closing.__name = "corral.closing_async"
  I.self_managed[Closing] = true

  --- cm:enter() -> the object.
  function Closing:enter() return self.obj end

  -- Close the object as managed cleanup: async_close() when it has one, else close(); a
  -- corral.Future or corral.Task that close returns is awaited (corral.call).
  local function close_obj(self, fname)
    if self.closed then return end
    self.closed = true
    local obj = self.obj
    local task = I.current_task()
    if not task then I.not_in_task(fname) end
    local s = cleanup_enter(fname, task, nil)
    local m = obj.async_close or obj.close
    local ok, e = pcall(M.call, m, obj)
    local cancelled = not ok and is_cancelled(e)
    cleanup_exit(fname, s, cancelled)
    if ok or (cancelled and core.scope_cancelled_caught(s) == 1) then return end
    error(e, 0)
  end

  --- cm:exit(err) -> false: closes the object (never suppresses).
  function Closing:exit(err)
    local ok, e = pcall(close_obj, self, "closing_async:exit")
    if not ok then error(chain(e, err), 0) end
    return false
  end
  Closing.__close = function(self, err)
    local ok, e = pcall(close_obj, self, "closing_async:__close")
    if not ok then error(chain(e, err), 0) end
  end

  --- corral.closing_async(obj) -> a context manager whose value is obj and whose exit closes
  -- obj as managed cleanup (R66): obj:async_close() when obj has that method (corral groups,
  -- hat-style resources), else obj:close(); a corral.Future or corral.Task it returns is
  -- awaited. Raises InvalidArgument when obj has neither method.
  function M.closing_async(obj)
    local fname = "corral.closing_async"
    local t = type(obj)
    local ok, m = false, nil
    if t == "table" or t == "userdata" then
      ok, m = pcall(function() return obj.async_close or obj.close end)
    end
    if not ok or not callable(m) then argerr(fname, 1, "obj", "object with a close or async_close method", obj) end
    return setmetatable({ obj = obj, closed = false }, Closing)
  end

  -- -------------------------------------------------------------------------------------
  -- Tasks as to-be-closed variables
  -- -------------------------------------------------------------------------------------

  -- `local t <close> = corral.spawn(...)` (or corral.with(task, fn)): at scope exit the task
  -- is cancelled and awaited as managed cleanup (R66, aiotools cancel_and_wait); its outcome
  -- stays with its group (a failure reaches the handler chain as usual).
  TaskMT.__close = function(t, err)
    if core.task_done(t) == 1 then return end
    local fname = "Task:__close"
    local task = I.current_task()
    if not task then I.not_in_task(fname) end
    core.task_cancel(t)
    local s = cleanup_enter(fname, task, nil)
    local ok, e = pcall(Task.join, t)
    local cancelled = not ok and is_cancelled(e)
    cleanup_exit(fname, s, cancelled)
    if cancelled and core.scope_cancelled_caught(s) ~= 1 and err == nil then error(e, 0) end
  end
end

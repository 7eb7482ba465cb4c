--- corral/cleanup.lua - managed cleanup (R66), error chaining (R67) and corral.ExitStack,
-- installed into `corral` by corral/init.lua.
--
-- The other cleanup files (context managers, context groups, defer) build on what this one
-- shares through I: cleanup_enter/cleanup_exit (one managed-cleanup scope), chain (the R67
-- "newer error wins, the older one is its context" rule) and Cleanup (the exit-stack class).
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local core = I.core
  local argerr, raise, callable, getmt = I.argerr, I.raise, I.callable, I.getmt
  local pack, unpack = I.pack, I.unpack
  local Error, Future, TaskMT = I.Error, I.Future, I.TaskMT
  local type, setmetatable, getmetatable, pcall, error, rawget, rawset, select, next, tostring =
      type, setmetatable, getmetatable, pcall, error, rawget, rawset, select, next, tostring
  local ECANCELLED = core.ECANCELLED
  local INT64_MAX = I.INT64_MAX
  local is_cancelled = M.is_cancelled

  -- -------------------------------------------------------------------------------------
  -- One managed-cleanup scope (R66)
  -- -------------------------------------------------------------------------------------

  --- Enter a managed-cleanup scope on `task`: a shield whose deadline is now + `grace_ns`
  -- (nanoseconds; false = no deadline), or now + the task's group chain's cleanup_timeout
  -- when grace_ns is nil (as corral_cleanup_enter). When the grace runs out the scope is
  -- cancelled and absorbs it, and the core queues CleanupTimeout to the handler chain.
  local function cleanup_enter(fname, task, grace_ns)
    local rc, s
    if grace_ns == nil then
      rc, s = core.cleanup_enter(task)
    else
      local deadline = -1
      if grace_ns then
        local now = core.rt_now(I.run().rt)
        deadline = grace_ns > INT64_MAX - now and INT64_MAX or now + grace_ns
      end
      rc, s = core.scope_enter(task, core.SCOPE_CLEANUP, deadline, 1)
    end
    if rc < 0 then raise(rc, fname) end
    return s
  end

  --- Leave it. `cancelled`: some cleanup code ended with Cancelled, which is the scope's own
  -- when its grace ran out (then it is absorbed). Returns nil, or the Cancelled error the
  -- scope did not own (it must propagate).
  local function cleanup_exit(fname, s, cancelled)
    local out = core.scope_exit(s, cancelled and ECANCELLED or 0)
    if out == 0 then return nil end
    if out == ECANCELLED then return I.cancelled_error() end
    raise(out, fname)
  end
  I.cleanup_enter, I.cleanup_exit = cleanup_enter, cleanup_exit

  -- -------------------------------------------------------------------------------------
  -- R67: a newer error replaces the current one, which becomes its context
  -- -------------------------------------------------------------------------------------

  -- Error tables can carry a context: corral errors and plain {kind=...} tables.
  local function can_chain(e)
    if type(e) ~= "table" then return false end
    local mt = getmetatable(e)
    return mt == Error or (mt == nil and e.kind ~= nil)
  end

  --- chain(newer, older) -> newer, with older appended at the end of newer's context chain
  -- (contextlib's rule: nothing is done when older already is in that chain, so no cycle
  -- forms). Values that cannot carry a context (strings, foreign objects) are left as they
  -- are: the older error is then not recorded. A Cancelled older error is never recorded:
  -- an error replacing a cancellation does not carry it as its context (as the core, the
  -- Python and the Rust bindings do).
  local function chain(newer, older)
    if older == nil or newer == older or is_cancelled(older) or not can_chain(newer) then
      return newer
    end
    local e, depth = newer, 0
    while depth < 64 do
      local ctx = rawget(e, "context")
      if ctx == older then return newer end
      if ctx == nil or not can_chain(ctx) then break end
      e, depth = ctx, depth + 1
    end
    if rawget(e, "context") == nil then rawset(e, "context", older) end
    return newer
  end
  I.chain = chain

  --- managed_exit(fname, cm, exit, err, grace_ns) -> pcall results of exit(cm, err), run as
  -- managed cleanup (R66) in the current task: in a cleanup scope (grace_ns as for
  -- cleanup_enter), so the exit may block after a cancellation. When the grace cut the exit
  -- short (it raised the scope's own Cancelled, which the scope absorbs; the core queues
  -- CleanupTimeout to the handler chain) it counts as an exit that returned false. Outside
  -- a corral task the exit runs without a cleanup scope.
  local function managed_exit(fname, cm, exit, err, grace_ns)
    local task = I.current_task()
    if not task then return pcall(exit, cm, err) end
    local s = cleanup_enter(fname, task, grace_ns)
    local ok, r = pcall(exit, cm, err)
    local cancelled = not ok and is_cancelled(r)
    cleanup_exit(fname, s, cancelled)
    if cancelled and core.scope_cancelled_caught(s) == 1 then return true, false end
    if not ok and r == nil then r = M.error("LuaError", "nil") end
    return ok, r
  end
  I.managed_exit = managed_exit

  -- Metatables of corral's own context managers, whose exit runs as managed cleanup by itself
  -- (with its own grace: an exit stack's cleanup_timeout): corral.with calls it directly.
  local self_managed = {}
  I.self_managed = self_managed

  -- -------------------------------------------------------------------------------------
  -- corral.ExitStack (contextlib.AsyncExitStack)
  -- -------------------------------------------------------------------------------------
  local ExitStack = {}
  ExitStack.__index = ExitStack
  ExitStack.__name = "corral.ExitStack"
  M.ExitStack = ExitStack
  I.ExitStack = ExitStack
  self_managed[ExitStack] = true

  -- An entry is a callback {fn, args} (its error replaces the current one) or an exit
  -- function {exit = fn} that also sees the current error and may suppress it (R67).
  local function new_stack(grace_ns)
    return setmetatable({ entries = {}, n = 0, state = "open", grace_ns = grace_ns }, ExitStack)
  end

  local function check_stack(self, fname)
    if getmt(self) ~= ExitStack then argerr(fname, 1, "self", "corral.ExitStack", self) end
    return self
  end

  local function check_open(self, fname)
    check_stack(self, fname)
    if self.state ~= "open" then
      error(M.error("InvalidState", fname .. ": the stack is " .. self.state), 0)
    end
  end

  local function push_entry(self, entry)
    local n = self.n + 1
    self.entries[n], self.n = entry, n
  end

  local STACK_OPTS = { cleanup_timeout = true }

  --- corral.exit_stack([opts]) -> stack, also corral.ExitStack([opts])
  -- (contextlib.AsyncExitStack). Callbacks pushed on it
  -- run LIFO when it is closed: by stack:close(), by <close> (Lua 5.4), by corral.with, or as
  -- the exit of an enclosing context manager. opts.cleanup_timeout = seconds bounds the
  -- unwinding (R66; default: the nearest group's cleanup_timeout; math.huge = none).
  -- Raises InvalidArgument for bad options.
  function M.exit_stack(opts)
    local fname = "corral.ExitStack"
    if opts ~= nil and (type(opts) ~= "table" or getmetatable(opts) ~= nil) then
      argerr(fname, 1, "opts", "options table or nil", opts)
    end
    local grace_ns = nil
    if opts then
      for k in next, opts do
        if not STACK_OPTS[k] then argerr(fname, 1, "opts", "{cleanup_timeout=} (unknown key " .. tostring(k) .. ")", opts) end
      end
      if opts.cleanup_timeout ~= nil then
        grace_ns = I.to_ns(fname, 1, "opts.cleanup_timeout", opts.cleanup_timeout)
        if grace_ns == math.huge then grace_ns = false end -- unlimited, not inherited
      end
    end
    return new_stack(grace_ns)
  end

  local function check_callback(fname, fn)
    local mt = getmetatable(fn)
    if mt ~= Future and mt ~= TaskMT and not callable(fn) then
      argerr(fname, 1, "fn", "function, corral.Future or corral.Task", fn)
    end
  end

  --- stack:callback(fn, ...) -> fn. At close, fn(...) runs in the closing task; it may block
  -- (it runs as managed cleanup) and a corral.Future or corral.Task it returns is awaited;
  -- fn itself may be a corral.Future or corral.Task, which is then awaited. Its error becomes
  -- the current error (R67). Raises InvalidArgument (fn not callable), InvalidState (closed).
  function ExitStack:callback(fn, ...)
    local fname = "ExitStack:callback"
    check_open(self, fname)
    check_callback(fname, fn)
    push_entry(self, { fn = fn, args = select("#", ...) > 0 and pack(...) or nil })
    return fn
  end
  --- contextlib's name for the same (every Lua function may block).
  ExitStack.push_async_callback = ExitStack.callback

  -- The exit function of a context manager (an object with enter and exit methods).
  local function cm_exit_of(cm)
    local ok, exit = pcall(function() return cm.exit end)
    if ok and callable(exit) then return exit end
    return nil
  end
  I.cm_exit_of = cm_exit_of

  --- stack:push(exit) -> exit (contextlib push): exit is a function exit(err) or a context
  -- manager (its exit method is used, it is not entered). At close it is called with the
  -- current error (nil when none); returning true suppresses an ordinary error (never
  -- Cancelled, R68). Raises InvalidArgument, InvalidState (closed).
  function ExitStack:push(exit)
    local fname = "ExitStack:push"
    check_open(self, fname)
    if callable(exit) and type(exit) ~= "table" then
      push_entry(self, { exit = exit })
    else
      local ex = cm_exit_of(exit)
      if not ex then argerr(fname, 1, "exit", "function or context manager", exit) end
      push_entry(self, { exit = function(err) return ex(exit, err) end })
    end
    return exit
  end

  --- stack:enter_context(cm) -> the value cm:enter() returned; cm's exit is pushed. If enter
  -- raises, nothing is pushed. If the stack was closed while enter blocked, nothing is pushed
  -- either: cm is exited at once, as managed cleanup (R66, the stack's cleanup_timeout), with
  -- that InvalidState error in flight, and InvalidState is raised - or the exit's own error,
  -- with InvalidState as its context; a suppressing exit does not make the enter succeed.
  -- Raises InvalidArgument (not a context manager), InvalidState.
  function ExitStack:enter_context(cm)
    local fname = "ExitStack:enter_context"
    check_open(self, fname)
    local enter = I.cm_enter_of(cm)
    local exit = cm_exit_of(cm)
    if not enter or not exit then argerr(fname, 1, "cm", "context manager (enter and exit methods)", cm) end
    local v = pack(enter(cm))
    if self.state ~= "open" then -- enter may block: the stack can have been closed meanwhile
      local closed = M.error("InvalidState", fname .. ": the stack was closed while the manager entered")
      local ok, e = managed_exit(fname, cm, exit, closed, self.grace_ns)
      if not ok then error(chain(e, closed), 0) end
      error(closed, 0)
    end
    push_entry(self, { exit = function(err) return exit(cm, err) end })
    return unpack(v, 1, v.n)
  end
  ExitStack.enter_async_context = ExitStack.enter_context

  --- stack:pop_all() -> a new stack holding every callback (and the cleanup_timeout); this
  -- one stays open and empty. Raises InvalidState once closed.
  function ExitStack:pop_all()
    check_open(self, "ExitStack:pop_all")
    local st = new_stack(self.grace_ns)
    st.entries, st.n = self.entries, self.n
    self.entries, self.n = {}, 0
    return st
  end

  --- stack:size() -> the number of callbacks waiting.
  function ExitStack:size()
    check_stack(self, "ExitStack:size")
    return self.n
  end

  --- stack:closed() -> true once closing started.
  function ExitStack:closed()
    check_stack(self, "ExitStack:closed")
    return self.state ~= "open"
  end

  local function run_entry(entry, current)
    local fn = entry.exit
    if fn then return fn(current) end
    fn = entry.fn
    local mt = getmetatable(fn)
    if mt == Future then return fn:await() end
    if mt == TaskMT then return fn:join() end
    local args = entry.args
    if args then return M.call(fn, unpack(args, 1, args.n)) end
    return M.call(fn)
  end

  -- Run the entries LIFO, each seeing the current error, in one managed-cleanup scope when
  -- `task` is given. Returns the final current error (nil when none: nothing failed, or an
  -- exit suppressed it).
  local function unwind(self, fname, task, err)
    local s = nil
    -- the stack stays open when the cleanup scope cannot be entered
    if task then s = cleanup_enter(fname, task, self.grace_ns) end
    self.state = "closing"
    local current, cancelled = err, false
    local entries = self.entries
    while self.n > 0 do
      local n = self.n
      local entry = entries[n]
      entries[n], self.n = nil, n - 1
      local ok, r = pcall(run_entry, entry, current)
      if ok then
        if entry.exit and r == true and current ~= nil and not is_cancelled(current) then
          current = nil -- suppressed (R68: never Cancelled)
        end
      elseif is_cancelled(r) and task then
        cancelled = true -- the cleanup scope's own Cancelled (grace expiry): its exit decides
      else
        if r == nil then r = M.error("LuaError", "nil") end
        current = chain(r, current)
      end
    end
    self.state = "closed"
    if s then
      local stray = cleanup_exit(fname, s, cancelled)
      if stray and current == nil then current = stray end
    end
    return current
  end
  I.unwind_stack = unwind
  I.new_stack = new_stack

  --- stack:close() (contextlib aclose): run every callback LIFO as managed cleanup (R66),
  -- each one even if earlier ones failed, and raise the last error (its context is the error
  -- before it, R67). Outside a corral task (no run, a done callback) the callbacks run
  -- without a cleanup scope. Raises InvalidState when the stack was already closed.
  function ExitStack:close()
    local fname = "ExitStack:close"
    check_open(self, fname)
    local e = unwind(self, fname, I.current_task(), nil)
    if e ~= nil then error(e, 0) end
  end
  ExitStack.aclose = ExitStack.close

  --- stack:enter() -> stack (the context manager protocol: corral.with, enter_context,
  -- actxgroup).
  function ExitStack:enter()
    check_open(self, "ExitStack:enter")
    return self
  end

  --- stack:exit(err) -> true when err (the error in flight, nil when none) was suppressed.
  -- Unwinds like close, with err as the current error; raises the final error when it is
  -- another one than err. Raises InvalidState when the stack was already closed.
  function ExitStack:exit(err)
    local fname = "ExitStack:exit"
    check_open(self, fname)
    local e = unwind(self, fname, I.current_task(), err)
    if e == nil then return err ~= nil end
    if e ~= err then error(e, 0) end
    return false
  end

  -- Lua 5.4 <close>: unwind with the error in flight (which Lua re-raises itself: a <close>
  -- variable cannot suppress an error; use corral.with for that). A stack closed already,
  -- for instance by an explicit close() in the block, is left alone.
  ExitStack.__close = function(self, err)
    if self.state ~= "open" then return end
    local e = unwind(self, "ExitStack:__close", I.current_task(), err)
    if e ~= nil and e ~= err then error(e, 0) end
  end
  ExitStack.__tostring = function(self)
    return "corral.ExitStack(" .. self.state .. ", " .. self.n .. ")"
  end
  setmetatable(ExitStack, { __call = function(_, opts) return M.exit_stack(opts) end })
end

--- corral/cleanup_group.lua - corral.actxgroup (aiotools actxgroup / AsyncContextGroup, R69),
-- installed into `corral` by corral/init.lua.
--
-- The enters and the exits each run as member tasks of an internal COLLECT group entered in
-- the calling task (like race and gather_safe): the core hands each member over as it ends
-- (CORRAL_OP_GROUP_NEXT_DONE), so their errors are values and no handler sees them.
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local core = I.core
  local argerr, raise = I.argerr, I.raise
  local spawn_in, chain = I.spawn_in, I.chain
  local Task = I.Task
  local type, setmetatable, getmetatable, pcall, error, tostring, next, ipairs =
      type, setmetatable, getmetatable, pcall, error, tostring, next, ipairs
  local co_yield = coroutine.yield
  local is_cancelled = M.is_cancelled

  local OP_GROUP_EXIT, OP_NEXT_DONE = core.OP_GROUP_EXIT, core.OP_GROUP_NEXT_DONE
  local COLLECT, JOIN = core.GROUP_COLLECT, core.GROUP_JOIN
  local COMPLETED, FAILED, CANCELLED = core.TASK_COMPLETED, core.TASK_FAILED, core.TASK_CANCELLED

  local CtxGroup = {}
  CtxGroup.__index = CtxGroup
  CtxGroup.__name = "corral.actxgroup"
  M.ContextGroup = CtxGroup
  I.self_managed[CtxGroup] = true

  -- The error value of a failed member (the very Lua value it raised; error(nil) is a
  -- LuaError "nil", so that every failure has a value).
  local function member_error(t)
    local _, e = pcall(Task.result, t)
    if e == nil then e = M.error("LuaError", "nil") end
    return e
  end

  -- Members run in a COLLECT group entered in the calling task: spawn member(i) for every i
  -- in `idx` (named prefix..i), then hand each one to on_done(i, task, tasks) as it ends
  -- (tasks[j] = member j). If the caller is cancelled meanwhile, the members still running
  -- are cancelled and awaited (their failures then go to the handler chain, as for the
  -- other helpers). Returns the caller's Cancelled (nil when not cancelled) and tasks.
  local function collect(fname, idx, prefix, member, on_done)
    local task = I.need_task(fname)
    local rc, g = core.group_enter(task, nil, COLLECT, JOIN)
    if rc < 0 then raise(rc, fname) end
    local tasks, by_spawn = {}, {}
    for k = 1, #idx do
      local i = idx[k]
      local ok, t = pcall(spawn_in, g, prefix .. i, fname, member, i)
      if not ok then -- out of memory or a closed run: cancel and await what runs, raise
        core.group_close(g, 1)
        co_yield(OP_GROUP_EXIT, g, -1, nil)
        error(t, 0)
      end
      tasks[i], by_spawn[k] = t, i
    end
    local left, cancel_err = #idx, nil
    while left > 0 do
      local st, k = co_yield(OP_NEXT_DONE, g, -1)
      if st ~= 0 then
        cancel_err = k
        core.group_close(g, 1)
        break
      end
      left = left - 1
      local i = by_spawn[k + 1]
      on_done(i, tasks[i], tasks)
    end
    -- waits for every member; a Cancelled it raises is the caller's, which stays pending
    -- (level-triggered) and is raised again at the next checkpoint
    local st, v = co_yield(OP_GROUP_EXIT, g, -1, cancel_err)
    if st ~= 0 and not is_cancelled(v) then error(v, 0) end -- a fatal error (R58)
    return cancel_err, tasks
  end

  -- Cancel the members that have not ended (in input order).
  local function cancel_pending(tasks, n)
    for i = 1, n do
      local t = tasks[i]
      if t and core.task_done(t) == 0 then core.task_cancel(t) end
    end
  end

  -- Exit every entered CM, concurrently, as managed cleanup (R66), each exit seeing `err`
  -- (the error in flight). Records exit_states. Returns the list of exit errors (input order):
  -- the exit tasks that ended FAILED, whatever they raised. An exit task that ended
  -- CANCELLED (the grace cut it short) is recorded as TaskCancelled, not raised. The task
  -- state decides, never the error value.
  local function exit_all(self, fname, err)
    local cms, n = self.cms, self.n
    local idx = {}
    for i = 1, n do
      if self.entered[i] then idx[#idx + 1] = i end
    end
    local states = { n = n }
    self.states = states
    local errs = {}
    if #idx == 0 then return errs end
    local task = I.need_task(fname)
    local s = I.cleanup_enter(fname, task, nil)
    -- an exit task ends with no value: a suppression flag is not a value, and the group
    -- never suppresses the body's error (aiotools neither)
    local function exit_member(i) cms[i]:exit(err) end
    local ok, e, tasks = pcall(collect, fname, idx, self.exit_prefix, exit_member, function() end)
    local cancelled = (ok and e ~= nil) or (not ok and is_cancelled(e))
    I.cleanup_exit(fname, s, cancelled)
    if not ok and not is_cancelled(e) then error(e, 0) end
    if ok then
      for k = 1, #idx do
        local t = tasks[idx[k]]
        local st = core.task_state(t)
        if st == FAILED then
          local e = member_error(t)
          states[idx[k]] = e
          errs[#errs + 1] = e
        elseif st == CANCELLED then -- cut short by the grace: recorded, not raised (R66)
          states[idx[k]] = M.error("TaskCancelled")
        end
      end
    end
    return errs
  end

  --- g:enter() -> values: enters every CM concurrently, CM i in a task named
  -- enter_prefix..i; values[i] is cm i's enter value, or a TaskCancelled error when its enter
  -- ended cancelled (values.n = #cms). Strict (default):
  -- the first enter failure cancels the pending enters, the CMs already entered are exited
  -- (concurrently, as managed cleanup), and an ErrorGroup of the enter errors (input order;
  -- cancelled enters are not errors) is raised. return_exceptions: every enter runs to its
  -- end and values[i] is the error of a failed one. If the caller is cancelled, the pending
  -- enters are cancelled, the entered CMs exited, and Cancelled propagates. Raises
  -- InvalidState when entered twice.
  function CtxGroup:enter()
    local fname = "actxgroup:enter"
    if getmetatable(self) ~= CtxGroup then argerr(fname, 1, "self", "corral.actxgroup", self) end
    if self.state ~= "new" then error(M.error("InvalidState", fname .. ": already entered"), 0) end
    I.need_task(fname)
    self.state = "entering"
    local cms, n = self.cms, self.n
    local values, errs, failed = { n = n }, {}, false
    local idx = {}
    for i = 1, n do idx[i] = i end
    local strict = not self.return_exceptions
    local function enter_member(i) return cms[i]:enter() end
    local cancel_err, tasks = collect(fname, idx, self.enter_prefix, enter_member, function(i, t, tasks)
      local st = core.task_state(t)
      if st == COMPLETED then
        values[i] = Task.result(t)
        self.entered[i] = true
      elseif st == FAILED then
        local e = member_error(t)
        errs[i] = e
        if not strict then values[i] = e end
        if strict and not failed then
          failed = true
          cancel_pending(tasks, n)
        end
      elseif st == CANCELLED then -- not a failure; the body sees TaskCancelled (as in Python)
        values[i] = M.error("TaskCancelled")
      end
    end)
    if cancel_err ~= nil then -- enters that completed while being cancelled need their exit
      for i = 1, n do
        if core.task_state(tasks[i]) == COMPLETED then self.entered[i] = true end
      end
    end
    if cancel_err == nil and not failed then
      self.state = "entered"
      return values
    end
    -- the body is skipped: exit what entered, then raise
    local raised = cancel_err
    if raised == nil then
      local list = {}
      for i = 1, n do
        if errs[i] ~= nil then list[#list + 1] = errs[i] end
      end
      raised = I.error_group(fname, list)
    end
    self.state = "exiting"
    local exit_errs = exit_all(self, fname, raised)
    self.state = "done"
    if #exit_errs > 0 then
      error(chain(I.error_group(fname, exit_errs), raised), 0)
    end
    error(raised, 0)
  end
  --- g:exit(err) -> false: exits every entered CM concurrently (CM i in a task named
  -- exit_prefix..i), each seeing err, as managed cleanup (R66); all of them run even if some
  -- fail. The group never suppresses err. When exits failed, raises an ErrorGroup of their
  -- errors (input order) whose context is err (R67). Raises InvalidState when not entered.
  function CtxGroup:exit(err)
    local fname = "actxgroup:exit"
    if getmetatable(self) ~= CtxGroup then argerr(fname, 1, "self", "corral.actxgroup", self) end
    if self.state ~= "entered" then error(M.error("InvalidState", fname .. ": not entered"), 0) end
    self.state = "exiting"
    local exit_errs = exit_all(self, fname, err)
    self.state = "done"
    if #exit_errs > 0 then
      error(chain(I.error_group(fname, exit_errs), err), 0)
    end
    return false
  end

  CtxGroup.__close = function(self, err)
    if self.state ~= "entered" then return end
    local ok, e = pcall(CtxGroup.exit, self, err)
    if not ok then error(e, 0) end
  end

  --- g:exit_states() -> states: states[i] is nil when CM i's exit succeeded or CM i was never
  -- exited, a TaskCancelled error when the cleanup grace cut its exit short (recorded, not
  -- raised), else the error its exit raised (states.n = #cms; empty before the exit).
  function CtxGroup:exit_states()
    if getmetatable(self) ~= CtxGroup then argerr("actxgroup:exit_states", 1, "self", "corral.actxgroup", self) end
    return self.states or { n = self.n }
  end

  --- g:add(cm): append a context manager before the group is entered (aiotools add).
  function CtxGroup:add(cm)
    local fname = "actxgroup:add"
    if getmetatable(self) ~= CtxGroup then argerr(fname, 1, "self", "corral.actxgroup", self) end
    if self.state ~= "new" then error(M.error("InvalidState", fname .. ": already entered"), 0) end
    if not M.is_context_manager(cm) then argerr(fname, 1, "cm", "context manager", cm) end
    self.n = self.n + 1
    self.cms[self.n] = cm
  end

  CtxGroup.__tostring = function(self) return "corral.actxgroup(" .. self.state .. ", " .. self.n .. ")" end

  local OPTS = { return_exceptions = true, enter_prefix = true, exit_prefix = true }

  --- corral.actxgroup(cms [, opts]) -> a context manager entering the CMs of the list cms
  -- concurrently (R69); use it with corral.with (the body gets the values list), or on Lua
  -- 5.4 `local g <close>, values = corral.enter(corral.actxgroup(cms))`.
  -- opts: return_exceptions = boolean (default false: strict), enter_prefix = "enter",
  -- exit_prefix = "exit" (the member tasks' names are prefix..i, i 1-based).
  -- Raises InvalidArgument for a list holding something else than CMs, or bad options.
  function M.actxgroup(cms, opts)
    local fname = "corral.actxgroup"
    if type(cms) ~= "table" or getmetatable(cms) ~= nil then argerr(fname, 1, "cms", "list of context managers", cms) end
    local n = cms.n or #cms
    local list = {}
    for i = 1, n do
      if not M.is_context_manager(cms[i]) then argerr(fname, 1, "cms[" .. i .. "]", "context manager", cms[i]) end
      list[i] = cms[i]
    end
    if opts ~= nil and (type(opts) ~= "table" or getmetatable(opts) ~= nil) then
      argerr(fname, 2, "opts", "options table or nil", opts)
    end
    opts = opts or {}
    for k in next, opts do
      if not OPTS[k] then
        argerr(fname, 2, "opts", "{return_exceptions=, enter_prefix=, exit_prefix=} (unknown key " .. tostring(k) .. ")", opts)
      end
    end
    for _, k in ipairs({ "enter_prefix", "exit_prefix" }) do
      if opts[k] ~= nil and type(opts[k]) ~= "string" then argerr(fname, 2, "opts." .. k, "string or nil", opts[k]) end
    end
    return setmetatable({
      cms = list, n = n, entered = {}, state = "new",
      return_exceptions = opts.return_exceptions and true or false,
      enter_prefix = opts.enter_prefix or "enter", exit_prefix = opts.exit_prefix or "exit",
    }, CtxGroup)
  end
  M.AsyncContextGroup = M.actxgroup
end

--- corral/group_presets.lua - the group presets of aiotools and codestare (R52), installed
-- into `corral` by corral/init.lua:
--   * corral.persistent_task_group: aiotools PersistentTaskGroup (SUPERVISE; a free group
--     used as an object, or a scoped JOIN group when given a body), shutdown(), and
--     corral.all_persistent_groups() listing the live ones;
--   * corral.task_nursery: codestare TaskNursery (a free SUPERVISE group with a sentinel
--     member that runs the exit callbacks when the nursery closes, a name registry, and a
--     default exception callback that shuts the run down).
-- The hat Group, TaskGroup, the trio nursery and the Supervisor are in corral/group.lua.
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local core = I.core
  local argerr, raise, check_fn = I.argerr, I.raise, I.check_fn
  local need_run, need_task, spawn_in = I.need_run, I.need_task, I.spawn_in
  local Group, base, pack, unpack = I.Group, I.group_base, I.pack, I.unpack
  local type, setmetatable, getmetatable, pcall, error, pairs, tostring =
      type, setmetatable, getmetatable, pcall, error, pairs, tostring
  local SUPERVISE = core.GROUP_SUPERVISE

  -- A class of free groups: Group's methods, plus its own (the flag lets Group's methods
  -- accept its objects).
  local function free_class(tname)
    local C = setmetatable({}, { __index = Group })
    C.__index = C
    C.__name = tname
    C.__free_group = true
    C.__group = true
    C.__close = Group.__close
    C.__corral_enter = Group.__corral_enter
    C.__tostring = function(g) return tname .. "(" .. tostring(g.name_) .. ")" end
    C.spawn = I.make_spawn(C, "Group:spawn", tname)
    return C
  end

  -- Arguments of the presets' constructors: a name, an options table, or nil.
  local function name_and_opts(fname, a, known)
    if a == nil then return nil, {} end
    if type(a) == "string" then return a, {} end
    if type(a) ~= "table" or getmetatable(a) ~= nil then
      argerr(fname, 1, "opts", "name, options table or nil", a)
    end
    local o = I.group_opts(fname, a, known)
    if o.name ~= nil and type(o.name) ~= "string" then argerr(fname, 1, "opts.name", "string or nil", o.name) end
    I.check_cb_opts(fname, o)
    return o.name, o
  end

  -- -------------------------------------------------------------------------------------
  -- PersistentTaskGroup (aiotools)
  -- -------------------------------------------------------------------------------------
  local PTG_OPTS = {
    "name=, exception_cb=, exception_cb_name=, cleanup_timeout=",
    name = true, exception_cb = true, exception_cb_name = true, cleanup_timeout = true,
  }

  local PersistentTaskGroup = free_class("corral.PersistentTaskGroup")
  PersistentTaskGroup.create_task = PersistentTaskGroup.spawn
  M.PersistentTaskGroup = PersistentTaskGroup

  --- pg:shutdown(): cancel every member and wait until the group is closed (= async_close);
  -- afterwards spawning raises GroupClosed (aiotools still accepts tasks after shutdown).
  function PersistentTaskGroup:shutdown()
    I.check_group(self, "PersistentTaskGroup:shutdown")
    self:async_close(true)
  end

  -- The entered form: a scoped SUPERVISE group (JOIN exit). It remembers its members (the
  -- ones not known to be done) for shutdown().
  local ScopedPTG = I.scoped_class("PersistentTaskGroup", "corral.PersistentTaskGroup")
  local scoped_spawn = ScopedPTG.spawn
  function ScopedPTG:spawn(...)
    local t = scoped_spawn(self, ...)
    local list = self.members
    if not list then
      list = { n = 0, keep = 8 }
      self.members = list
    end
    local n = list.n + 1
    list[n] = t
    list.n = n
    if n > list.keep then -- forget the members that are done (amortized)
      local m = 0
      for i = 1, n do
        local u = list[i]
        list[i] = nil
        if core.task_done(u) ~= 1 then
          m = m + 1
          list[m] = u
        end
      end
      list.n = m
      list.keep = 2 * m + 8
    end
    return t
  end
  ScopedPTG.create_task = ScopedPTG.spawn

  --- pg:shutdown() of an entered group (aiotools): cancel the members alive now and wait
  -- until each has ended (again for members spawned meanwhile), then return. The body is
  -- not cancelled and the group is not closed: it stays OPEN (spawn still works) until its
  -- exit, which waits for the members spawned later. The members' outcomes are not raised
  -- (their failures went to the handler chain). If the caller is cancelled while waiting,
  -- Cancelled propagates and the members stay cancelled. After the exit it does nothing.
  function ScopedPTG:shutdown()
    I.check_any_group(self, "PersistentTaskGroup:shutdown")
    while not self.exited do
      local list, live = self.members, {}
      if list then
        for i = 1, list.n do
          local t = list[i]
          if core.task_done(t) ~= 1 then live[#live + 1] = t end
        end
        for i = 1, #live do list[i] = live[i] end
        for i = #live + 1, list.n do list[i] = nil end
        list.n = #live
      end
      if #live == 0 then return end
      need_task("PersistentTaskGroup:shutdown")
      for i = 1, #live do core.task_cancel(live[i]) end
      for i = 1, #live do
        local t = live[i]
        local ok, e = pcall(I.Task.join, t)
        -- the join's own errors (the caller cancelled, the run over) propagate; the
        -- member's outcome does not
        if not ok and (M.kind(e) == "Cancelled" or core.task_done(t) ~= 1) then error(e, 0) end
      end
    end
  end

  local function remember(run, pg)
    local list = run.ptgs
    if not list then
      list = {}
      run.ptgs = list
    end
    list[#list + 1] = pg
  end

  --- corral.persistent_task_group([name | opts]) -> group, or
  --- corral.persistent_task_group(name | opts | nil, fn, ...) -> fn's results.
  -- aiotools PersistentTaskGroup: SUPERVISE (a member's failure goes to opts.exception_cb,
  -- else the handler chain ending at the root handler; siblings go on). Without fn it is a
  -- free group used as an object (pg:spawn / pg:create_task, pg:shutdown()); with fn it is
  -- entered: fn(pg, ...) runs inside a scoped group whose exit waits for the members (JOIN).
  -- opts: name (a named group traces CLOSING/CLOSED), exception_cb, exception_cb_name,
  -- cleanup_timeout.
  function M.persistent_task_group(a, fn, ...)
    local fname = "corral.persistent_task_group"
    local run = need_run(fname)
    local name, o = name_and_opts(fname, a, PTG_OPTS)
    if fn == nil then
      local pg = I.new_free_group(fname, name, {
        exception_cb = o.exception_cb, exception_cb_name = o.exception_cb_name,
        cleanup_timeout = o.cleanup_timeout,
      }, PersistentTaskGroup)
      remember(run, pg)
      return pg
    end
    need_task(fname)
    check_fn(fname, 2, fn)
    local function prepare(pg)
      if o.exception_cb ~= nil then I.set_exception_cb(pg, fname, o.exception_cb, o.exception_cb_name) end
      if o.cleanup_timeout ~= nil then base.set_cleanup_timeout(pg, o.cleanup_timeout) end
      remember(run, pg)
    end
    local _, res = I.run_scoped(fname, ScopedPTG, SUPERVISE, name, prepare, fn, ...)
    if res[1] then return unpack(res, 2, res.n) end
  end

  --- corral.all_persistent_groups() -> the persistent task groups of this run that are not
  -- closed yet, in creation order (aiotools all_ptaskgroups).
  function M.all_persistent_groups()
    local run = need_run("corral.all_persistent_groups")
    local list, live, keep = run.ptgs or {}, {}, {}
    for i = 1, #list do
      local pg = list[i]
      if core.group_is_closed(pg.ud) ~= 1 then
        live[#live + 1] = pg
        keep[#keep + 1] = pg
      end
    end
    run.ptgs = keep -- closed ones are forgotten
    return live
  end

  -- -------------------------------------------------------------------------------------
  -- TaskNursery (codestare)
  -- -------------------------------------------------------------------------------------
  local TN_OPTS = {
    "name=, exception_cb=, exception_cb_name=, cleanup_timeout=",
    name = true, exception_cb = true, exception_cb_name = true, cleanup_timeout = true,
  }

  local TaskNursery = free_class("corral.TaskNursery")
  M.TaskNursery = TaskNursery

  -- This run's registry: name -> nursery (weak: a dropped nursery goes).
  local function registry(run)
    local reg = run.nurseries
    if not reg then
      reg = setmetatable({}, { __mode = "v" })
      run.nurseries = reg
    end
    return reg
  end

  --- corral.task_nursery_registry() -> this run's table name -> nursery (codestare
  -- TaskNursery.registry; also readable as corral.TaskNursery.registry[name]).
  function M.task_nursery_registry()
    return registry(need_run("corral.task_nursery_registry"))
  end
  TaskNursery.registry = setmetatable({}, {
    __index = function(_, k)
      local run = I.run()
      return run and run.nurseries and run.nurseries[k]
    end,
    __newindex = function() error(M.error("InvalidState", "TaskNursery.registry is read-only"), 0) end,
  })

  -- The exit callbacks, LIFO, each one even if an earlier one failed (R67): a failing
  -- callback's error becomes the current one (the previous one as its context, for error
  -- tables, unless it is Cancelled: I.chain); the last one is raised at the end.
  local function run_exit_callbacks(n)
    local stack = n.exit_stack
    n.exit_stack = nil
    local err = nil
    for i = #stack, 1, -1 do
      local cb = stack[i]
      local ok, e = pcall(M.call, cb.fn, unpack(cb.args, 1, cb.args.n))
      if not ok then
        if e == nil then e = M.error("LuaError", "nil") end
        err = I.chain(e, err)
      end
    end
    if err ~= nil then error(err, 0) end
  end

  -- The sentinel member: waits until the nursery closes, then runs the exit callbacks as
  -- managed cleanup (call_on_cancel: shielded, with the cleanup_timeout grace) and returns.
  local function sentinel(n)
    return M.call_on_cancel(run_exit_callbacks, n)
  end

  -- codestare's default: an error in a nursery task shuts the program down. Here: a line
  -- in the run's diagnostics, then the run is shut down: main is cancelled with cause
  -- SHUTDOWN (R52) and the run ends Cancelled after cleanup.
  local function escalate(n)
    local run = n.run
    return function(err, task)
      I.diag(run, "task nursery " .. tostring(n.name_) .. ": unhandled error in task " ..
        (task and core.task_name(task) or "?") .. ": " .. M.repr(err) .. "; shutting down")
      core.rt_shutdown(run.rt)
    end
  end

  --- corral.task_nursery([name | opts]) -> nursery (codestare TaskNursery).
  -- A free SUPERVISE group named `name` (default "TaskNursery-<n>", n = the registry's size)
  -- whose first member, the sentinel "<name>.sentinel", waits until the nursery closes and
  -- then runs the exit callbacks (push_callback, push_async_callback) LIFO as managed
  -- cleanup. The nursery is registered under its name (corral.TaskNursery.registry[name]).
  -- A failing task shuts the run down (main is cancelled) unless opts.exception_cb is given.
  -- opts: name, exception_cb, exception_cb_name, cleanup_timeout.
  function M.task_nursery(a)
    local fname = "corral.task_nursery"
    local run = need_run(fname)
    local name, o = name_and_opts(fname, a, TN_OPTS)
    local reg = registry(run)
    if name == nil then
      local count = 0
      for _ in pairs(reg) do count = count + 1 end
      name = "TaskNursery-" .. count
    end
    local n = I.new_free_group(fname, name, { cleanup_timeout = o.cleanup_timeout }, TaskNursery)
    I.set_exception_cb(n, fname, o.exception_cb or escalate(n), o.exception_cb_name)
    n.exit_stack = {}
    n.sentinel = spawn_in(n.ud, name .. ".sentinel", fname, sentinel, n)
    reg[name] = n
    return n
  end

  local function check_nursery(self, fname)
    if getmetatable(self) ~= TaskNursery then argerr(fname, 1, "self", "corral.TaskNursery", self) end
    I.check_group(self, fname)
    return self
  end

  --- nursery:create_task([name,] fn, ...) -> task (GroupClosed once the nursery closes).
  TaskNursery.create_task = TaskNursery.spawn

  local function push(self, fname, fn, ...)
    check_nursery(self, fname)
    check_fn(fname, 1, fn)
    if not self.exit_stack or core.group_is_open(self.ud) ~= 1 then
      error(M.error("GroupClosed", fname .. ": the nursery is closing"), 0)
    end
    self.exit_stack[#self.exit_stack + 1] = { fn = fn, args = pack(...) }
    return fn
  end

  --- nursery:push_callback(fn, ...) -> fn: fn(...) runs when the nursery closes (LIFO).
  function TaskNursery:push_callback(fn, ...)
    return push(self, "TaskNursery:push_callback", fn, ...)
  end

  --- nursery:push_async_callback(fn, ...) -> fn: the same for a function that blocks (it runs
  -- in the sentinel task, shielded; a returned future or task is awaited, as corral.call).
  function TaskNursery:push_async_callback(fn, ...)
    return push(self, "TaskNursery:push_async_callback", fn, ...)
  end

  --- nursery:aclose() = close(cancel = true) + wait_closed(): the sentinel runs the exit
  -- callbacks while the other tasks are cancelled.
  function TaskNursery:aclose()
    check_nursery(self, "TaskNursery:aclose")
    self:async_close(true)
  end

  TaskNursery.shutdown = TaskNursery.aclose
end

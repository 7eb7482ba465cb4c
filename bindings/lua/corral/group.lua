--- corral/group.lua - groups (semantics R42-R59), installed into `corral` by corral/init.lua.
--
--   * corral.group / corral.Group: the hat-style free group (SUPERVISE; closing cancels),
--     with subgroups, wrap, close/wait, cleanup_timeout and an exception callback;
--   * scoped groups entered in the current task (corral_group_enter, left by awaiting
--     CORRAL_OP_GROUP_EXIT): corral.task_group, corral.open_nursery, corral.supervisor;
--   * the Resource protocol (R50), <close> / corral.with exits as managed cleanup (R49, R66),
--     fatal errors (R58) and corral.current_taskgroup.
-- The presets built on these are in corral/group_presets.lua, the helpers in
-- corral/group_helpers.lua.
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local core = I.core
  local argerr, raise, check_fn, callable = I.argerr, I.raise, I.check_fn, I.callable
  local need_run, need_task, spawn_in, await = I.need_run, I.need_task, I.spawn_in, I.await
  local getmt, pack, unpack = I.getmt, I.pack, I.unpack
  local TaskMT, Task, Future, Scope = I.TaskMT, I.Task, I.Future, I.Scope
  local type, setmetatable, getmetatable, pcall, error, pairs, next, rawget, tostring =
      type, setmetatable, getmetatable, pcall, error, pairs, next, rawget, tostring
  local co_yield = coroutine.yield

  local OP_WAIT_CLOSING, OP_WAIT_CLOSED = core.OP_GROUP_WAIT_CLOSING, core.OP_GROUP_WAIT_CLOSED
  local OP_GROUP_EXIT = core.OP_GROUP_EXIT
  local FAIL_FAST, SUPERVISE, JOIN = core.GROUP_FAIL_FAST, core.GROUP_SUPERVISE, core.GROUP_JOIN
  local NS, INT64_MAX = I.NS, I.INT64_MAX
  -- A cleanup_timeout this long (146 years) means unlimited: exact in a double (LuaJIT).
  local UNLIMITED = 2 ^ 62
  local WEAK_VALUES = { __mode = "v" }

  -- -------------------------------------------------------------------------------------
  -- Fatal errors (R58)
  -- -------------------------------------------------------------------------------------

  --- corral.fatal(kind, msg [, fields]) -> an error value marked fatal (field fatal = true).
  -- Raised by a task, it behaves as FAIL_FAST in every group it passes: the group is closed
  -- with cancellation, a scoped group's exit raises this very value (never wrapped in an
  -- ErrorGroup), and from a free group it reaches the root: main is cancelled and corral.run
  -- raises it after cleanup. Exception callbacks never see it. Lua's counterpart of Python's
  -- KeyboardInterrupt/SystemExit.
  function M.fatal(kind, msg, fields)
    local e = M.error(kind, msg, fields)
    e.fatal = true
    return e
  end

  --- True when e is a fatal error value (a table with fatal = true).
  local function is_fatal(e)
    return type(e) == "table" and rawget(e, "fatal") == true
  end
  M.is_fatal = is_fatal

  -- -------------------------------------------------------------------------------------
  -- Lua objects of groups: the core hands out group pointers (task_current_group); each
  -- run maps them back to the Lua object made for them (weakly: a dropped object goes).
  -- -------------------------------------------------------------------------------------
  local function register(run, obj)
    local reg = run.groups
    if not reg then
      reg = setmetatable({}, WEAK_VALUES)
      run.groups = reg
    end
    reg[core.handle_key(obj.ud)] = obj
  end

  -- -------------------------------------------------------------------------------------
  -- Shared by every kind of group: queries, cleanup_timeout, wrap
  -- -------------------------------------------------------------------------------------
  local Group = {}
  Group.__index = Group
  Group.__name = "corral.Group"
  Group.__group = true -- every group class has this flag (check_any)
  M.Group = Group
  I.Group = Group

  -- `self` is a group object of any kind (a table holding the core handle `ud` and its run).
  local function check_any(self, fname)
    local mt = getmt(self)
    if type(mt) ~= "table" or rawget(mt, "__group") ~= true then
      argerr(fname, 1, "self", "a corral group", self)
    end
    if self.run.closed then error(M.error("Closed", fname .. ": the group's run is over"), 0) end
    return self
  end
  I.check_any_group = check_any

  local base = {} -- the methods every group kind has

  function base.is_open(self) return core.group_is_open(self.ud) == 1 end
  function base.is_closing(self) return core.group_is_closing(self.ud) == 1 end
  function base.is_closed(self) return core.group_is_closed(self.ud) == 1 end
  --- Number of members that are not done.
  function base.size(self) return core.group_size(self.ud) end
  function base.name(self) return self.name_ end

  --- group:set_cleanup_timeout(seconds | nil): the grace of managed cleanup (R66) for code in
  -- this group and its subgroups (call_on_cancel, a <close>/corral.with exit, a nursery's
  -- exit callbacks); nil = inherit from the parent (the root's default: unlimited),
  -- math.huge = unlimited here.
  function base.set_cleanup_timeout(self, seconds)
    local fname = "Group:set_cleanup_timeout"
    check_any(self, fname)
    local ns = -1
    if seconds ~= nil then
      ns = I.to_ns(fname, 1, "seconds", seconds)
      if ns >= UNLIMITED then ns = UNLIMITED end
    end
    local rc = core.group_set_cleanup_timeout(self.ud, ns)
    if rc < 0 then raise(rc, fname) end
  end

  --- group:cleanup_timeout() -> the effective grace in seconds (inherited if not set here),
  -- or nil when unlimited.
  function base.cleanup_timeout(self)
    check_any(self, "Group:cleanup_timeout")
    local ns = core.group_cleanup_timeout(self.ud)
    if ns < 0 or ns >= UNLIMITED then return nil end
    return ns / NS
  end

  -- The member that wraps a future (R44, hat Group.wrap): its outcome is the future's; when
  -- the member is cancelled (its group closes) it cancels the future and ends cancelled.
  local function wrap_future(f)
    local ok, v = pcall(Future.await, f)
    if ok then return v end
    if M.is_cancelled(v) then f:cancel() end
    error(v, 0)
  end

  -- The member that wraps a task: the task's outcome; when cancelled, it cancels the task
  -- and joins it inside a shield, so the group closes only after the task (R45).
  local function wrap_task(t)
    local ok, v = pcall(Task.join, t)
    if ok then return v end
    if M.is_cancelled(v) then
      core.task_cancel(t)
      M.shield(function() pcall(Task.join, t) end)
    end
    error(v, 0)
  end

  --- group:wrap([name,] x) -> task: a member task `name` that awaits x (a corral.Future or
  -- corral.Task) and ends with its outcome; closing the group cancels x (a task is also
  -- awaited before the member ends). GroupClosed once the group is closing (R44).
  function base.wrap(self, a, b)
    local fname = "Group:wrap"
    check_any(self, fname)
    local name, x = nil, a
    if type(a) == "string" then name, x = a, b end
    local mt = getmetatable(x)
    if mt == Future then return spawn_in(self.ud, name, fname, wrap_future, x) end
    if mt == TaskMT then return spawn_in(self.ud, name, fname, wrap_task, x) end
    argerr(fname, name and 2 or 1, "x", "corral.Future or corral.Task", x)
  end

  for k, f in pairs(base) do Group[k] = f end
  I.group_base = base

  -- -------------------------------------------------------------------------------------
  -- Free groups (hat Group: SUPERVISE policy, CANCEL exit, R42-R48)
  -- -------------------------------------------------------------------------------------

  local function check_group(self, fname)
    local mt = getmt(self)
    if mt ~= Group and (type(mt) ~= "table" or rawget(mt, "__free_group") ~= true) then
      argerr(fname, 1, "self", "corral.Group", self)
    end
    if self.run.closed then error(M.error("Closed", fname .. ": the group's run is over"), 0) end
    return self
  end
  I.check_group = check_group

  -- Make fn (nil: none) the group's exception callback (corral_group_set_host_handler). The
  -- Lua entry {fn=, name=} stays in the host's token table while it is the group's callback
  -- (the core never releases it); replacing or removing the callback drops it.
  local function set_exception_cb(self, fname, fn, cb_name)
    if fn ~= nil and not callable(fn) then argerr(fname, 2, "exception_cb", "function or nil", fn) end
    if cb_name ~= nil and type(cb_name) ~= "string" then
      argerr(fname, 3, "name", "string or nil", cb_name)
    end
    local h = self.run.h
    local tok = 0
    if fn ~= nil then
      tok = core.host_ref(h, { fn = fn, name = cb_name or ((self.name_ or "group") .. ".cb") })
    end
    local rc = core.group_set_host_handler(self.ud, fn ~= nil and core.HOST_BINDING or 0, tok)
    if rc < 0 then
      if tok ~= 0 then core.host_unref(h, tok) end
      raise(rc, fname)
    end
    if self.cbtok then core.host_unref(h, self.cbtok) end
    self.cbtok = tok ~= 0 and tok or nil
    self.cb = fn
  end
  I.set_exception_cb = set_exception_cb

  -- The core keeps a group's callback token until the group is freed and never hands it
  -- back: drop it once the group is CLOSED and every handler entry queued for it has run
  -- (after wait_closed returns, after a scoped group's exit), so that a program making many
  -- groups with callbacks does not grow. exception_cb() still answers.
  local function release_cb(self)
    local tok = self.cbtok
    if tok and core.group_is_closed(self.ud) == 1 and not self.run.closed then
      self.cbtok = nil
      core.group_set_host_handler(self.ud, 0, 0)
      core.host_unref(self.run.h, tok)
    end
  end

  -- hat 0.7's log_exceptions = true: the group handles a member's failure by logging hat's
  -- warning line in the run's diagnostics (log = table / standard error).
  local function hat_warning(self)
    local run = self.run
    return function(err, task)
      I.diag(run, "unhandled exception in async group " .. tostring(self.name_ or "group") ..
        (task and (" (task " .. core.task_name(task) .. ")") or "") .. ": " .. M.repr(err))
    end
  end

  local GROUP_OPTS = {
    parent = true, exception_cb = true, exception_cb_name = true, log_exceptions = true,
    cleanup_timeout = true,
  }

  -- Options of corral.group and the presets: a parent group, or a table whose keys are all
  -- in `known` (a set; known[1] lists them for the message). `arg` names the argument.
  local function group_opts(fname, opts, known, arg)
    arg = arg or "opts"
    local mt = getmetatable(opts)
    if mt == Group or (type(mt) == "table" and rawget(mt, "__free_group")) then
      return { parent = opts }
    end
    if opts == nil then return {} end
    if type(opts) ~= "table" or mt ~= nil or (arg == "parent" and next(opts) == nil) then
      argerr(fname, 2, arg, "corral.Group, non-empty options table or nil", opts)
    end
    for k in pairs(opts) do
      if k == 1 or not known[k] then
        argerr(fname, 2, arg, "corral.Group or options table {" .. known[1] .. "} (unknown key " ..
          tostring(k) .. ")", opts)
      end
    end
    return opts
  end
  I.group_opts = group_opts
  GROUP_OPTS[1] = "parent=, exception_cb=, exception_cb_name=, log_exceptions=, cleanup_timeout="

  -- Apply the (checked) exception callback options to a new free group.
  local function apply_cb_opts(grp, fname, o)
    local cb = o.exception_cb
    if cb == nil and o.log_exceptions then cb = hat_warning(grp) end
    if cb ~= nil then set_exception_cb(grp, fname, cb, o.exception_cb_name) end
  end

  -- Check the option values before anything is created (so nothing leaks on bad input).
  local function check_cb_opts(fname, o)
    if o.exception_cb ~= nil and not callable(o.exception_cb) then
      argerr(fname, 2, "opts.exception_cb", "function or nil", o.exception_cb)
    end
    if o.exception_cb_name ~= nil and type(o.exception_cb_name) ~= "string" then
      argerr(fname, 2, "opts.exception_cb_name", "string or nil", o.exception_cb_name)
    end
    if o.log_exceptions ~= nil and type(o.log_exceptions) ~= "boolean" then
      argerr(fname, 2, "opts.log_exceptions", "boolean or nil", o.log_exceptions)
    end
    if o.cleanup_timeout ~= nil then I.to_ns(fname, 2, "opts.cleanup_timeout", o.cleanup_timeout) end
  end
  I.check_cb_opts = check_cb_opts

  -- A free group of class mt from checked options `o` (corral.group's keys).
  local function new_free_group(fname, name, o, mt)
    local run = need_run(fname)
    if name ~= nil and type(name) ~= "string" then argerr(fname, 1, "name", "string or nil", name) end
    local parent = o.parent
    local pud = nil
    if parent ~= nil then
      local pmt = getmetatable(parent)
      if pmt ~= Group and (type(pmt) ~= "table" or not rawget(pmt, "__free_group")) then
        argerr(fname, 2, "parent", "corral.Group or nil", parent)
      end
      pud = parent.ud
    end
    check_cb_opts(fname, o)
    local rc, g = core.group_new(run.rt, pud, name)
    if rc < 0 then raise(rc, fname) end
    local grp = setmetatable({ ud = g, run = run, name_ = name }, mt or Group)
    register(run, grp)
    -- R47: a subgroup inherits its parent's callback unless overridden (the core's chain
    -- already sends failures there; the Lua side just remembers it for exception_cb())
    if o.exception_cb == nil and o.log_exceptions == nil and parent ~= nil then
      grp.inherited_cb = parent.cb or parent.inherited_cb
    end
    apply_cb_opts(grp, fname, o)
    if o.cleanup_timeout ~= nil then base.set_cleanup_timeout(grp, o.cleanup_timeout) end
    return grp
  end
  I.new_free_group = new_free_group

  --- corral.group([name [, parent | opts]]) -> group (also corral.Group(...), hat's name).
  -- A free group (hat.aio Group): SUPERVISE, a member's failure goes to the handler chain;
  -- closing cancels the members; used with <close>/corral.with it closes on exit. Named
  -- groups trace CLOSING/CLOSED. opts: parent = a group (default: the root group);
  -- exception_cb = fn(err, task) (hat <= 0.6), exception_cb_name = its log actor (default
  -- "<name>.cb"); log_exceptions = true (hat 0.7): without exception_cb the group handles
  -- failures by logging hat's warning; cleanup_timeout = seconds (R66).
  -- Without a callback, failures go to the parent's chain, ending at the root handler (R57).
  function M.group(name, opts)
    need_run("corral.group")
    return new_free_group("corral.group", name, group_opts("corral.group", opts, GROUP_OPTS, "parent"), Group)
  end
  setmetatable(Group, { __call = function(_, ...) return M.group(...) end })

  --- group:set_exception_cb(fn|nil [, name]): replace (nil: remove) the exception callback.
  function Group:set_exception_cb(fn, name)
    check_group(self, "Group:set_exception_cb")
    set_exception_cb(self, "Group:set_exception_cb", fn, name)
  end

  --- group:exception_cb() -> the group's own exception callback, else the one it inherits
  -- from its parent (R47), or nil.
  function Group:exception_cb()
    return self.cb or self.inherited_cb
  end

  --- group:spawn([name,] fn, ...) -> task; raises GroupClosed once the group is closing.
  Group.spawn = I.make_spawn(Group, "Group:spawn", "corral.Group")

  --- group:create_subgroup([name [, opts]]) -> group (opts as corral.group's, parent = self);
  -- it inherits the exception callback unless opts give one (R47).
  function Group:create_subgroup(name, opts)
    check_group(self, "Group:create_subgroup")
    if opts == nil then return M.group(name, self) end
    if type(opts) ~= "table" or getmetatable(opts) ~= nil then
      argerr("Group:create_subgroup", 2, "opts", "table or nil", opts)
    end
    local o = { parent = self }
    for k, v in pairs(opts) do
      if k ~= "parent" then o[k] = v end
    end
    return M.group(name, o)
  end

  --- group:close([cancel=true]): OPEN -> CLOSING (R45/R46). Never waits.
  function Group:close(cancel)
    check_group(self, "Group:close")
    local rc = core.group_close(self.ud, cancel == false and 0 or 1)
    if rc < 0 then raise(rc, "Group:close") end
  end

  --- Wait until the group is CLOSING (a checkpoint).
  function Group:wait_closing(deadline)
    check_group(self, "Group:wait_closing")
    await("Group:wait_closing", OP_WAIT_CLOSING, self.ud,
      deadline and I.deadline_ns("Group:wait_closing", 1, deadline) or -1)
  end

  --- Wait until the group is CLOSED (a checkpoint; a shielded self-wait raises
  -- InvalidState, R17).
  function Group:wait_closed(deadline)
    check_group(self, "Group:wait_closed")
    await("Group:wait_closed", OP_WAIT_CLOSED, self.ud,
      deadline and I.deadline_ns("Group:wait_closed", 1, deadline) or -1)
    release_cb(self)
  end

  --- close(cancel) + wait_closed (R48); if the caller is cancelled while waiting, closing
  -- goes on and the caller gets Cancelled.
  function Group:async_close(cancel)
    self:close(cancel)
    self:wait_closed()
  end

  -- The exit of a CANCEL-mode group used with <close> / corral.with (R49): async_close(true)
  -- as managed cleanup (R66): shielded, with the grace of the group's cleanup_timeout. If the
  -- grace runs out, the cleanup scope absorbs its own cancellation, CleanupTimeout goes to
  -- the handler chain, and the exit goes on with the original outcome. With no error
  -- propagating, the exit is then a cancel point.
  local function managed_close(g, err)
    if g.run.closed or g.run ~= I.run() then return end
    local task = need_task("Group:__close")
    local ns = core.group_cleanup_timeout(g.ud)
    local deadline = -1
    if ns >= 0 and ns < UNLIMITED then
      local now = core.rt_now(g.run.rt)
      deadline = ns > INT64_MAX - now and INT64_MAX or now + ns
    end
    local rc, s = core.scope_enter(task, core.SCOPE_CLEANUP, deadline, 1)
    if rc < 0 then raise(rc, "Group:__close") end
    local ok, e = pcall(Group.async_close, g, true)
    local status = ok and 0 or I.code_of(e)
    local out = core.scope_exit(s, status)
    if out ~= 0 then
      if out == status then error(e, 0) end
      raise(out, "Group:__close")
    end
    if err == nil and core.task_cancel_pending_fast(task) then error(I.cancelled_error(), 0) end
  end
  I.managed_close = managed_close

  Group.__close = function(g, err) managed_close(g, err) end

  -- Entering a group (corral.with, corral.enter; R50, as Python's async with and Rust's
  -- using): GroupClosed once it is closing or closed, and no body runs.
  local function enter_group(g, fname)
    fname = fname or "corral.with"
    check_any(g, fname)
    if core.group_is_closing(g.ud) == 1 then
      error(M.error("GroupClosed", fname .. ": the group " .. (g.name_ and (g.name_ .. " ") or "") ..
        "is closing or closed"), 0)
    end
  end
  I.enter_group = enter_group
  Group.__corral_enter = enter_group
  Group.__tostring = function(g) return "corral.Group(" .. tostring(g.name_) .. ")" end

  --- The runtime's root group (named "root" in handler lines).
  function M.root_group()
    local run = need_run("corral.root_group")
    if not run.root then
      run.root = setmetatable({ ud = core.rt_root_group(run.rt), run = run, name_ = "root" }, Group)
    end
    return run.root
  end

  -- -------------------------------------------------------------------------------------
  -- The Resource protocol (R50, hat Resource)
  -- -------------------------------------------------------------------------------------
  local Resource = {}
  Resource.__index = Resource
  Resource.__name = "corral.Resource"
  M.Resource = Resource

  -- The group behind a resource: its async_group field (or method).
  local function group_of(self, fname)
    local g = type(self) == "table" and self.async_group or nil
    if type(g) == "function" then g = g(self) end
    local mt = getmetatable(g)
    if mt ~= Group and (type(mt) ~= "table" or not rawget(mt, "__free_group")) then
      argerr(fname, 1, "self", "an object whose async_group is a corral.Group", self)
    end
    return g
  end

  function Resource:is_open() return Group.is_open(group_of(self, "Resource:is_open")) end
  function Resource:is_closing() return Group.is_closing(group_of(self, "Resource:is_closing")) end
  function Resource:is_closed() return Group.is_closed(group_of(self, "Resource:is_closed")) end
  function Resource:wait_closing(deadline)
    return Group.wait_closing(group_of(self, "Resource:wait_closing"), deadline)
  end
  function Resource:wait_closed(deadline)
    return Group.wait_closed(group_of(self, "Resource:wait_closed"), deadline)
  end
  function Resource:close(cancel) return Group.close(group_of(self, "Resource:close"), cancel) end
  function Resource:async_close(cancel)
    return Group.async_close(group_of(self, "Resource:async_close"), cancel)
  end
  Resource.__close = function(self, err) managed_close(group_of(self, "Resource:__close"), err) end
  Resource.__corral_enter = function(self, fname)
    fname = fname or "corral.with"
    enter_group(group_of(self, fname), fname)
  end

  --- corral.resource(class) -> class: gives a class (a metatable for its objects) the
  -- Resource methods it does not define itself, plus __close (Lua 5.4 <close>, corral.with)
  -- and __index = class when it has none. Objects need a field (or method) async_group
  -- holding a corral.Group. A plain object can also use corral.Resource as its metatable.
  function M.resource(class)
    if class == nil then class = {} end
    if type(class) ~= "table" then argerr("corral.resource", 1, "class", "table or nil", class) end
    for k, v in pairs(Resource) do
      if k ~= "__index" and k ~= "__name" and rawget(class, k) == nil then class[k] = v end
    end
    if rawget(class, "__index") == nil then class.__index = class end
    return class
  end

  -- -------------------------------------------------------------------------------------
  -- Scoped groups: entered in the current task, left with CORRAL_OP_GROUP_EXIT (R42, R49)
  -- -------------------------------------------------------------------------------------

  -- A class of scoped group objects: the shared queries plus spawn under the class's name.
  local function scoped_class(name, tname)
    local C = {}
    C.__index = C
    C.__name = tname
    C.__group = true
    for k, f in pairs(base) do C[k] = f end
    C.spawn = I.make_spawn(C, name .. ":spawn", tname)
    C.__tostring = function() return tname end
    return C
  end
  I.scoped_class = scoped_class

  -- Run fn(obj, ...) inside a scoped group entered on the current task and leave it: the
  -- exit waits for every member (not a cancel point at entry, cannot be abandoned) and
  -- raises what R49/R54 say. Returns obj and the packed results of fn. `prepare(obj)` runs
  -- right after entry (arguments are checked before, so it cannot fail on bad input).
  local function run_scoped(fname, C, policy, name, prepare, fn, ...)
    local task = need_task(fname)
    local run = I.run()
    local rc, g = core.group_enter(task, name, policy, JOIN)
    if rc < 0 then raise(rc, fname) end
    local obj = setmetatable({ ud = g, run = run, name_ = name }, C)
    register(run, obj)
    if prepare then prepare(obj) end
    local res = pack(pcall(fn, obj, ...))
    local err = nil
    if not res[1] then
      err = res[2]
      if err == nil then err = M.error("LuaError", "nil") end
    end
    local st, v = co_yield(OP_GROUP_EXIT, g, -1, err)
    obj.exited = true
    release_cb(obj)
    local cs = rawget(obj, "cancel_scope")
    if cs then cs.exited = true end -- the scope was left with the group (Scope:cancel is a no-op now)
    if st == 0 then return obj, res end
    error(v, 0) -- a fatal error (R58) is raised itself by the core, before anything else
  end
  I.run_scoped = run_scoped

  local function results(obj, res)
    if res[1] then return unpack(res, 2, res.n) end
  end

  -- A Scope object for a group's own cancel scope (it lives as long as the group: keep the
  -- group's handle with it).
  local function group_scope(obj)
    return setmetatable({ ud = core.group_scope(obj.ud), group_ud = obj.ud }, Scope)
  end

  --- corral.task_group(fn, ...) -> fn's results (asyncio / aiotools TaskGroup).
  -- Runs fn(tg, ...) in the current task inside a scoped group (FAIL_FAST, JOIN): tg:spawn
  -- starts members; the exit waits for every member. A member failure cancels the body and
  -- the other members; the group then raises {kind="ErrorGroup", errors={...}} holding the
  -- members' own error values (in the order they failed, R54). Without member errors, the
  -- body's error is raised; a Cancelled aimed at the group is absorbed.
  local TaskGroup = scoped_class("TaskGroup", "corral.TaskGroup")
  M.TaskGroup = TaskGroup
  function M.task_group(fn, ...)
    need_task("corral.task_group")
    check_fn("corral.task_group", 1, fn)
    return results(run_scoped("corral.task_group", TaskGroup, FAIL_FAST, nil, nil, fn, ...))
  end

  --- corral.open_nursery(fn, ...) -> nursery, fn's results (trio's open_nursery).
  -- fn(nursery, ...) runs inside a scoped FAIL_FAST group: nursery:start_soon([name,] fn,
  -- ...) starts a member (and returns its task); nursery.cancel_scope cancels the body and
  -- every member without closing the nursery; the exit absorbs that cancellation and
  -- nursery.cancel_scope.cancelled_caught tells it afterwards.
  local Nursery = scoped_class("Nursery", "corral.Nursery")
  Nursery.start_soon = Nursery.spawn
  M.Nursery = Nursery
  local function nursery_prepare(n) n.cancel_scope = group_scope(n) end
  function M.open_nursery(fn, ...)
    need_task("corral.open_nursery")
    check_fn("corral.open_nursery", 1, fn)
    local n, res = run_scoped("corral.open_nursery", Nursery, FAIL_FAST, nil, nursery_prepare, fn, ...)
    if res[1] then return n, unpack(res, 2, res.n) end
    return n
  end
  M.nursery = M.open_nursery

  --- corral.supervisor([opts,] fn, ...) -> fn's results (aiotools Supervisor / TaskScope).
  -- fn(sv, ...) runs inside a scoped SUPERVISE group: a member's failure goes to the handler
  -- chain (opts.exception_cb, else the chain of the task's group, ending at the root
  -- handler) and the siblings go on; the exit waits for every member. An error raised by
  -- the body cancels the members and propagates from the exit as itself.
  -- opts: name (a named group traces CLOSING/CLOSED), exception_cb = fn(err, task),
  -- exception_cb_name = its log actor; sv:set_exception_cb(fn, name) changes it later.
  local Supervisor = scoped_class("Supervisor", "corral.Supervisor")
  Supervisor.create_task = Supervisor.spawn
  M.Supervisor = Supervisor
  --- sv:set_exception_cb(fn|nil [, name]): replace (nil: remove) the exception callback.
  function Supervisor:set_exception_cb(fn, name)
    check_any(self, "Supervisor:set_exception_cb")
    set_exception_cb(self, "Supervisor:set_exception_cb", fn, name)
  end
  function Supervisor:exception_cb() return self.cb end
  local SV_OPTS = {
    "name=, exception_cb=, exception_cb_name=", name = true, exception_cb = true,
    exception_cb_name = true,
  }
  function M.supervisor(a, ...)
    local fname = "corral.supervisor"
    need_task(fname)
    if callable(a) then
      return results(run_scoped(fname, Supervisor, SUPERVISE, nil, nil, a, ...))
    end
    local o = group_opts(fname, a, SV_OPTS)
    if o.name ~= nil and type(o.name) ~= "string" then argerr(fname, 1, "opts.name", "string or nil", o.name) end
    check_cb_opts(fname, o)
    local fn = ...
    check_fn(fname, 2, fn)
    local prepare = nil
    if o.exception_cb ~= nil then
      prepare = function(sv) set_exception_cb(sv, fname, o.exception_cb, o.exception_cb_name) end
    end
    return results(run_scoped(fname, Supervisor, SUPERVISE, o.name, prepare, fn, select(2, ...)))
  end
  M.task_scope = M.supervisor

  -- -------------------------------------------------------------------------------------
  -- current_taskgroup (aiotools)
  -- -------------------------------------------------------------------------------------

  --- corral.current_taskgroup() -> the group the running code spawns into by default: the
  -- innermost scoped group (task_group, nursery, supervisor, ...) the current task entered,
  -- else the group the task is a member of; nil for a member of the root group and outside a
  -- task. Helpers' internal groups are skipped: inside the members of race, gather_safe and
  -- as_completed_safe it is the group of the code that called the helper.
  function M.current_taskgroup()
    local task = M.current()
    if not task then return nil end
    local g = core.task_current_group(task)
    if not g then return nil end
    local run = I.run()
    local obj = run.groups and run.groups[core.handle_key(g)]
    if obj then return obj end
    -- a free group whose Lua object was dropped: a fresh object for the same group
    obj = setmetatable({ ud = g, run = run, name_ = core.group_name(g) }, Group)
    register(run, obj)
    return obj
  end
end

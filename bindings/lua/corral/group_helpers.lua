--- corral/group_helpers.lua - the coroutine helpers of hat.aio and aiotools (R59, R66,
-- R70-R73), installed into `corral` by corral/init.lua: call, call_on_cancel, call_on_done,
-- first, race, gather_safe, as_completed_safe, cancel_and_join.
--
-- race, gather_safe and as_completed_safe run their members in an internal COLLECT group
-- entered in the calling task: the core hands each member to the helper as it ends
-- (CORRAL_OP_GROUP_NEXT_DONE, resuming with its spawn index), so member errors are values
-- (R59); what the helper does not take goes to the handler chain when it leaves the group.
-- Members are named by opts.names, else "<helper>.<index>" (0-based, R77).
--
-- Lua has no keyword arguments: the helpers pass every argument through unchanged, so the
-- Lua idiom - a trailing options table - reaches fn as its last argument (R73).
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local core = I.core
  local argerr, raise, callable, check_fn = I.argerr, I.raise, I.callable, I.check_fn
  local need_task, spawn_in, pack, unpack = I.need_task, I.spawn_in, I.pack, I.unpack
  local Task, TaskMT, Future, Queue = I.Task, I.TaskMT, I.Future, I.Queue
  local type, setmetatable, getmetatable, pcall, error, select, tostring, pairs =
      type, setmetatable, getmetatable, pcall, error, select, tostring, pairs
  local co_yield = coroutine.yield

  local OP_GROUP_EXIT, OP_NEXT_DONE = core.OP_GROUP_EXIT, core.OP_GROUP_NEXT_DONE
  local COLLECT, JOIN = core.GROUP_COLLECT, core.GROUP_JOIN
  local COMPLETED, FAILED = core.TASK_COMPLETED, core.TASK_FAILED

  -- -------------------------------------------------------------------------------------
  -- call, call_on_cancel, call_on_done, cancel_and_join (hat.aio, aiotools)
  -- -------------------------------------------------------------------------------------

  -- hat's "await it if it is awaitable": a corral.Future is awaited, a corral.Task joined.
  local function settle(...)
    if select("#", ...) == 0 then return end
    local r = ...
    local mt = getmetatable(r)
    if mt == Future then return r:await() end
    if mt == TaskMT then return r:join() end
    return ...
  end

  --- corral.call(fn, ...) -> fn(...)'s results; when fn returns a corral.Future or
  -- corral.Task, its value (awaited / joined) instead (hat.aio call).
  function M.call(fn, ...)
    check_fn("corral.call", 1, fn)
    return settle(fn(...))
  end

  --- corral.call_on_cancel(fn, ...) -> fn's results (hat.aio call_on_cancel, R73).
  -- Waits until the calling task is cancelled, then runs corral.call(fn, ...) as managed
  -- cleanup (R66: shielded, with the grace of the task's group's cleanup_timeout) and
  -- returns its results, so the task ends COMPLETED (R14). If the grace runs out, the task
  -- goes on with Cancelled (and CleanupTimeout reaches the handler chain).
  function M.call_on_cancel(fn, ...)
    local fname = "corral.call_on_cancel"
    local task = need_task(fname)
    check_fn(fname, 1, fn)
    local ok, e = pcall(M.sleep, math.huge) -- forever: only cancellation ends it
    if ok or not M.is_cancelled(e) then error(e, 0) end
    local rc, s = core.cleanup_enter(task)
    if rc < 0 then raise(rc, fname) end
    local res = pack(pcall(M.call, fn, ...))
    local status = res[1] and 0 or I.code_of(res[2])
    local out = core.scope_exit(s, status)
    if core.scope_cancelled_caught(s) == 1 then error(I.cancelled_error(), 0) end
    if out == 0 then return unpack(res, 2, res.n) end
    if out == status then error(res[2], 0) end
    raise(out, fname)
  end

  --- corral.call_on_done(f, fn, ...) -> fn's results (hat.aio call_on_done, R73).
  -- Waits for f - a corral.Future (awaited), a corral.Task (joined) or a function (called
  -- inline) - ignoring its outcome (also FutureCancelled / TaskCancelled), then returns
  -- corral.call(fn, ...). If the caller is cancelled while waiting, fn is not called and a
  -- future or task f is not cancelled (R21); a function f is cancelled with the caller.
  function M.call_on_done(f, fn, ...)
    local fname = "corral.call_on_done"
    need_task(fname)
    local mt = getmetatable(f)
    if mt ~= Future and mt ~= TaskMT and not callable(f) then
      argerr(fname, 1, "f", "corral.Future, corral.Task or function", f)
    end
    check_fn(fname, 2, fn)
    local ok, e
    if mt == Future then
      ok, e = pcall(Future.await, f)
    elseif mt == TaskMT then
      ok, e = pcall(Task.join, f)
    else
      ok, e = pcall(f)
    end
    -- f's outcome is ignored whatever its kind (R73); only errors of the wait itself
    -- propagate: the caller's Cancelled, and for a future or task an error raised while f
    -- is still not done (a closed handle, a self-join, ...). A fatal error (R58) raised by a
    -- function f propagates too (hat's suppress(Exception) lets BaseException through).
    if not ok then
      if M.kind(e) == "Cancelled" then error(e, 0) end
      if mt == Future or mt == TaskMT then
        local dok, done = pcall(f.done, f)
        if not (dok and done) then error(e, 0) end
      elseif M.is_fatal(e) then
        error(e, 0)
      end
    end
    return M.call(fn, ...)
  end

  --- corral.cancel_and_join(task) -> the task's value (aiotools cancel_and_wait): cancel
  -- it, then join it. A task that ends CANCELLED gives nothing; one that returned (also
  -- after the cancellation, R14) gives its value; one that failed raises its error.
  function M.cancel_and_join(task)
    if getmetatable(task) ~= TaskMT then argerr("corral.cancel_and_join", 1, "task", "corral.Task", task) end
    return Task.cancel_and_join(task)
  end

  -- -------------------------------------------------------------------------------------
  -- first (hat.aio)
  -- -------------------------------------------------------------------------------------

  --- corral.first(source, pred, default) -> the first item for which pred(item) is true
  -- (pred nil: any item), else default once the source is exhausted (hat.aio first).
  -- source: a corral.Queue (items until it is closed and drained; the rest stays queued) or
  -- an iterator function (called with no arguments in the current task, so it may block;
  -- nil ends it). Items up to and including the match are consumed.
  function M.first(source, pred, default)
    local fname = "corral.first"
    if pred ~= nil and not callable(pred) then argerr(fname, 2, "pred", "function or nil", pred) end
    if getmetatable(source) == Queue then
      need_task(fname)
      while true do
        local ok, v = pcall(Queue.get, source)
        if not ok then
          if M.kind(v) == "QueueClosed" then return default end
          error(v, 0)
        end
        if pred == nil or pred(v) then return v end
      end
    end
    if not callable(source) then argerr(fname, 1, "source", "corral.Queue or iterator function", source) end
    while true do
      local v = source()
      if v == nil then return default end
      if pred == nil or pred(v) then return v end
    end
  end

  -- -------------------------------------------------------------------------------------
  -- The members of race / gather_safe / as_completed_safe: an internal COLLECT group
  -- -------------------------------------------------------------------------------------

  local function check_members(fname, fns, opts, known)
    if type(fns) ~= "table" or getmetatable(fns) ~= nil then
      argerr(fname, 1, "fns", "table of functions", fns)
    end
    local n = fns.n or #fns
    for i = 1, n do
      if not callable(fns[i]) then argerr(fname, 1, "fns[" .. i .. "]", "function", fns[i]) end
    end
    if opts == nil then return n, nil end
    if type(opts) ~= "table" or getmetatable(opts) ~= nil then
      argerr(fname, 2, "opts", "options table or nil", opts)
    end
    for k in pairs(opts) do
      if k == 1 or not known[k] then argerr(fname, 2, "opts", known[1] .. " (unknown key " .. tostring(k) .. ")", opts) end
    end
    local names = opts.names
    if names ~= nil then
      if type(names) ~= "table" then argerr(fname, 2, "opts.names", "table of strings or nil", names) end
      for i = 1, n do
        if names[i] ~= nil and type(names[i]) ~= "string" then
          argerr(fname, 2, "opts.names[" .. i .. "]", "string or nil", names[i])
        end
      end
      if names[n + 1] ~= nil then -- (a shorter list names the first members, as everywhere)
        argerr(fname, 2, "opts.names", "at most one name per function", names)
      end
    end
    return n, names
  end

  -- Enter a COLLECT group in the calling task and spawn the members into it. The returned
  -- state keeps their handles in spawn order (member index i - 1).
  local function start_members(fname, helper, fns, n, names)
    local task = need_task(fname)
    local rc, g = core.group_enter(task, nil, COLLECT, JOIN)
    if rc < 0 then raise(rc, fname) end
    local s = { g = g, members = {}, left = n, exited = false }
    for i = 1, n do
      local ok, t = pcall(spawn_in, g, names and names[i] or (helper .. "." .. (i - 1)), fname, fns[i])
      if not ok then -- cancel and await the members already spawned, then raise
        s.exited = true
        core.group_close(g, 1)
        co_yield(OP_GROUP_EXIT, g, -1, nil)
        error(t, 0)
      end
      s.members[i] = t
    end
    return s
  end

  -- The next member to end (its handle), or raises the caller's Cancelled (the group is then
  -- left first: the members are cancelled and awaited).
  local function next_done(s)
    local st, idx = co_yield(OP_NEXT_DONE, s.g, -1)
    if st ~= 0 then
      s.exited = true
      core.group_close(s.g, 1)
      local st2, v = co_yield(OP_GROUP_EXIT, s.g, -1, idx)
      error(st2 ~= 0 and v or idx, 0)
    end
    s.left = s.left - 1
    return s.members[idx + 1]
  end

  -- Leave the group: the members still running are cancelled and awaited. `err` is the error
  -- propagating out of the caller (nil: none; then the exit is a cancel point, R49).
  local function leave(s, err)
    if s.exited then return end
    s.exited = true
    if s.left > 0 then core.group_close(s.g, 1) end
    local st, v = co_yield(OP_GROUP_EXIT, s.g, -1, err)
    if st ~= 0 then error(v, 0) end
  end

  -- An ErrorGroup of Lua error values, made by the core (same message as its own ones).
  local function error_group(fname, errs)
    local run = I.run()
    local ces = {}
    for i = 1, #errs do ces[i] = core.host_error(run.h, errs[i]) end
    local rc, eg = core.error_new_group(ces)
    if rc < 0 then raise(rc, fname) end
    return core.host_error_value(run.h, eg, core.EERRORGROUP)
  end

  I.error_group = error_group

  -- The error value of a failed member (the very Lua value it raised).
  local function member_error(t)
    local _, e = pcall(Task.result, t)
    return e
  end

  -- -------------------------------------------------------------------------------------
  -- race, gather_safe, as_completed_safe (aiotools)
  -- -------------------------------------------------------------------------------------
  local RACE_OPTS = { "{continue_on_error=, names=}", continue_on_error = true, names = true }
  local NAMES_OPTS = { "{names=}", names = true }

  --- corral.race(fns [, opts]) -> value, errors (aiotools race, R70).
  -- Runs each function of fns as a member task; the first member to complete wins: the
  -- others are cancelled and awaited, then its value is returned with the list of errors of
  -- members that failed before it. Without opts.continue_on_error the first failure before
  -- any success cancels the rest and is raised; with it, failures are collected and if every
  -- member fails an ErrorGroup (errors in occurrence order) is raised. An empty fns raises
  -- InvalidArgument. opts: continue_on_error = boolean, names = {member names}.
  function M.race(fns, opts)
    local fname = "corral.race"
    local n, names = check_members(fname, fns, opts, RACE_OPTS)
    if n == 0 then
      error(M.error("InvalidArgument", "corral.race: bad argument #1 'fns' (no functions to race)"), 0)
    end
    local coe = opts and opts.continue_on_error
    local s = start_members(fname, "race", fns, n, names)
    local winner, first_err, failed = nil, nil, {}
    while s.left > 0 do
      local t = next_done(s)
      local state = core.task_state(t)
      if state == COMPLETED then
        winner = t
        break
      elseif state == FAILED then
        if not coe then
          first_err = member_error(t)
          break
        end
        failed[#failed + 1] = member_error(t)
      end -- a member cancelled from elsewhere neither wins nor fails
    end
    leave(s, nil)
    if winner then return Task.result(winner), failed end
    if first_err ~= nil then error(first_err, 0) end
    error(error_group(fname, failed), 0)
  end

  --- corral.gather_safe(fns [, opts]) -> results, ok (aiotools gather_safe, R71).
  -- Runs each function as a member task and waits for all: results[i] is member i's value or
  -- its error value (results.n = #fns), ok[i] tells which. The errors are the caller's values:
  -- no handler sees them (R59). If the caller is cancelled, the members are cancelled and
  -- awaited, then Cancelled propagates. opts: names = {member names}.
  function M.gather_safe(fns, opts)
    local fname = "corral.gather_safe"
    local n, names = check_members(fname, fns, opts, NAMES_OPTS)
    local s = start_members(fname, "gather_safe", fns, n, names)
    while s.left > 0 do next_done(s) end
    leave(s, nil)
    local results, ok = { n = n }, {}
    for i = 1, n do
      ok[i], results[i] = pcall(Task.result, s.members[i])
    end
    return results, ok
  end

  -- as_completed_safe's loop state: leaving it early cancels and awaits the other members.
  local Completed = {}
  Completed.__index = Completed
  Completed.__name = "corral.as_completed_safe"
  Completed.__close = function(s, err) leave(s, err) end
  --- it:close(): leave the loop early (LuaJIT, or a loop left without <close>).
  function Completed:close(err) leave(self, err) end

  local function next_completed(s)
    if s.exited then return nil end
    if s.left == 0 then
      leave(s, nil)
      return nil
    end
    return next_done(s)
  end

  --- corral.as_completed_safe(fns [, opts]) -> iterator, state, nil, closer
  --- corral.as_completed_safe(fns [, opts], body) -> body's value (aiotools as_completed_safe, R71).
  -- Runs each function as a member task and hands out the member tasks in the order they end.
  -- Lua 5.4: `for t in corral.as_completed_safe(fns) do ... end` - the fourth value is a
  -- to-be-closed variable of the loop, so leaving it early (break, error, cancellation)
  -- cancels and awaits the other members before control leaves the loop. LuaJIT has no
  -- to-be-closed variables: use the callback form, body(t) for each member in completion
  -- order until body returns a value other than nil (returned), or call closer:close() when
  -- leaving a for loop early. opts: names = {member names}.
  function M.as_completed_safe(fns, opts, body)
    local fname = "corral.as_completed_safe"
    if body == nil and callable(opts) and type(opts) ~= "table" then opts, body = nil, opts end
    local n, names = check_members(fname, fns, opts, NAMES_OPTS)
    if body ~= nil then check_fn(fname, 3, body) end
    local s = setmetatable(start_members(fname, "as_completed_safe", fns, n, names), Completed)
    if body == nil then return next_completed, s, nil, s end
    while true do
      local t = next_completed(s)
      if t == nil then return nil end
      local r = pack(pcall(body, t))
      if not r[1] then
        local err = r[2]
        if err == nil then err = M.error("LuaError", "nil") end
        leave(s, err)
        error(r[2], 0)
      end
      if r[2] ~= nil then
        leave(s, nil)
        return unpack(r, 2, r.n)
      end
    end
  end
end

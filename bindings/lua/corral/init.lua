--- corral: structured concurrency for Lua on the corral C core.
--
--   local corral = require "corral"
--   corral.run(function()
--     local t = corral.spawn("worker", function() corral.sleep(0.01); return 42 end)
--     print(t:join())                                   --> 42
--   end)
--
-- Lua coroutines are tasks. The C core (through the low-level SWIG module `corral.core`)
-- makes every scheduling, timing and cancellation decision; this layer only resumes
-- coroutines when the core hands it a record, so the same program gives the same trace in
-- C, Python, Lua and Rust. No Lua function is ever called from C.
--
-- Conventions (see bindings/lua/README.md for the full reference):
--   * times are seconds as Lua numbers, converted once to integer nanoseconds; deadlines
--     are absolute times on the runtime's clock (corral.now()), nil means none;
--   * errors are tables {kind=, msg=[, code=, context=]} with __tostring, raised with
--     error(); corral.error(kind, msg) builds one; corral.is_cancelled(e) tests for
--     Cancelled; a Lua error value that travels through the core (a task's error seen by
--     join, a future's error) comes back as the very same value;
--   * cancellation is level-triggered: a pcall that swallows Cancelled cannot lose it, the
--     next checkpoint raises it again;
--   * every blocking function (sleep, checkpoint, join, await, get, put, wait_*, async_close)
--     is a checkpoint and must be called from a corral task's own coroutine.
local core = require "corral.core"

-- LuaJIT: corral's own functions run in the interpreter. They are mostly C calls and
-- coroutine switches, which LuaJIT cannot compile; the traces it stitched around them made
-- spawn_many twice as slow. Code that calls corral is compiled as usual.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

local M = {}
M._VERSION = "0.1.0"
M.core = core

local type, select, setmetatable, getmetatable, pcall, error, tostring, rawget, next =
    type, select, setmetatable, getmetatable, pcall, error, tostring, rawget, next
-- Type checks of `self` use the raw metatable (no __metatable lookup: cheaper).
local getmt = debug and debug.getmetatable or getmetatable
local co_create, co_resume, co_yield, co_running = coroutine.create, coroutine.resume,
    coroutine.yield, coroutine.running
local co_close = coroutine.close -- Lua 5.4 only
local unpack = table.unpack or unpack
local concat = table.concat
local floor = math.floor
local math_type = math.type -- nil on LuaJIT
local sformat = string.format

local pack = table.pack or function(...)
  return { n = select("#", ...), ... }
end

-- ---------------------------------------------------------------------------------------
-- Constants
-- ---------------------------------------------------------------------------------------
local PENDING = core.PENDING
local ECANCELLED = core.ECANCELLED
local ETIMEOUT = core.ETIMEOUT
local EUSER = core.EUSER
local EDEADLOCK = core.EDEADLOCK
local OP_CHECKPOINT, OP_SLEEP, OP_FUTURE, OP_JOIN = core.OP_CHECKPOINT, core.OP_SLEEP,
    core.OP_FUTURE, core.OP_JOIN
local OP_QUEUE_GET, OP_QUEUE_PUT = core.OP_QUEUE_GET, core.OP_QUEUE_PUT
local OP_WAIT_CLOSING, OP_WAIT_CLOSED = core.OP_GROUP_WAIT_CLOSING, core.OP_GROUP_WAIT_CLOSED
local OP_SLEEP_FOR = core.OP_SLEEP_FOR
-- The hot paths use these values as literals (cheaper opcodes); check they still hold.
assert(OP_CHECKPOINT == 0 and OP_FUTURE == 2 and OP_JOIN == 3 and OP_QUEUE_GET == 4 and
  OP_QUEUE_PUT == 5 and PENDING == 1 and ECANCELLED == -1000,
  "corral: corral.core constants changed")
local NS = 1000000000
local INT64_MAX = math.maxinteger or 9223372036854775807
local HUGE = math.huge
local POOL_MAX = 1024 -- idle coroutines kept for reuse

-- ---------------------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------------------
local Error = {}
Error.__index = Error
Error.__name = "corral.Error"
M.Error = Error

local function error_text(e, depth)
  local kind = e.kind
  local msg = e.msg
  local s = (msg ~= nil and msg ~= "") and (tostring(kind) .. ":" .. tostring(msg)) or tostring(kind)
  local ctx = rawget(e, "context")
  if ctx ~= nil and (depth or 0) < 16 then
    if type(ctx) == "table" and ctx.kind ~= nil then
      s = s .. " <- " .. error_text(ctx, (depth or 0) + 1)
    else
      s = s .. " <- LuaError:" .. tostring(ctx)
    end
  end
  return s
end
Error.__tostring = function(e) return error_text(e) end
core.set_error_metatable(Error) -- errors raised by corral.core's C methods (queues)

-- The R2 kinds and their C codes.
local code_of_kind = {}
for code = core.ECANCELLED, core.ECLOSED, -1 do
  if code ~= EUSER then code_of_kind[core.error_name(code)] = code end
end

--- Build an error value {kind=kind, msg=msg}. Extra fields may be given in `fields`.
function M.error(kind, msg, fields)
  if type(kind) ~= "string" or kind == "" then
    error(M.error("InvalidArgument",
      "corral.error: bad argument #1 'kind' (non-empty string expected, got " .. type(kind) .. ")"), 2)
  end
  local e = { kind = kind, msg = msg ~= nil and tostring(msg) or "" }
  e.code = code_of_kind[kind] or EUSER
  if fields then
    for k, v in pairs(fields) do e[k] = v end
  end
  return setmetatable(e, Error)
end

local function code_error(code, msg)
  return setmetatable({ kind = core.error_name(code), msg = msg or "", code = code }, Error)
end

local function cancelled_error()
  return setmetatable({ kind = "Cancelled", msg = "", code = ECANCELLED }, Error)
end

--- True when e is a Cancelled error.
function M.is_cancelled(e)
  return type(e) == "table" and e.kind == "Cancelled"
end

--- The kind of any error value: its `kind` field, or "LuaError" for other Lua values.
function M.kind(e)
  if type(e) == "table" and type(e.kind) == "string" then return e.kind end
  return "LuaError"
end

-- The C code an error value stands for (kinds of R2; anything else is a user error).
local function code_of(e)
  if type(e) == "table" then
    local k = e.kind
    if k == "Cancelled" then return ECANCELLED end
    if type(k) == "string" then return code_of_kind[k] or EUSER end
  end
  return EUSER
end

-- Raise the error of a failed core call; `where` names the Lua function.
local function raise(code, where)
  local detail = core.last_error_message()
  local msg = where
  if detail ~= nil and detail ~= "" then msg = where .. ": " .. detail end
  error(code_error(code, msg), 0)
end

local function typename(v)
  local t = type(v)
  if t == "number" and math_type then return math_type(v) end
  return t
end

local function argerr(fname, i, name, expected, v)
  error(M.error("InvalidArgument", sformat("%s: bad argument #%d '%s' (%s expected, got %s)",
    fname, i, name, expected, typename(v))), 0)
end

local function callable(f)
  if type(f) == "function" then return true end
  local mt = getmetatable(f)
  return type(mt) == "table" and mt.__call ~= nil
end

-- ---------------------------------------------------------------------------------------
-- Time: seconds <-> nanoseconds
-- ---------------------------------------------------------------------------------------
local function to_ns(fname, i, name, s, allow_negative)
  if type(s) ~= "number" or s ~= s then argerr(fname, i, name, "number", s) end
  if s < 0 and not allow_negative then
    error(M.error("InvalidArgument", sformat("%s: bad argument #%d '%s' (must not be negative)",
      fname, i, name)), 0)
  end
  if s == HUGE then return HUGE end -- none / forever: callers test for math.huge
  -- in double arithmetic, as every binding converts (an integer product could wrap); a
  -- finite time past the int64 range saturates to it (R3), a finite deadline
  local ns = s * 1e9
  if ns >= 9.2233720368547758e18 then return INT64_MAX end
  if ns <= -9.2233720368547758e18 then return -INT64_MAX end
  return floor(ns + 0.5)
end

local function deadline_ns(fname, i, d)
  if d == nil then return -1 end
  local ns = to_ns(fname, i, "deadline", d, true)
  if ns < 0 then return 0 end -- a deadline in the past: do not block
  if ns == HUGE then return -1 end -- math.huge: none
  return ns
end

-- ---------------------------------------------------------------------------------------
-- Canonical text of values for "done <v>" trace lines (R77)
-- ---------------------------------------------------------------------------------------
local function float_text(x)
  if x ~= x then return "nan" end
  if x == 1 / 0 then return "inf" end
  if x == -1 / 0 then return "-inf" end
  for prec = 1, 17 do
    local s = sformat("%." .. prec .. "g", x)
    if tonumber(s) == x then return s end
  end
  return sformat("%.17g", x)
end

local function repr(v, depth)
  local t = type(v)
  if t == "string" then return v end
  if t == "nil" then return "" end
  if t == "boolean" then return v and "true" or "false" end
  if t == "number" then
    if math_type then
      if math_type(v) == "integer" then return tostring(v) end
    elseif v == floor(v) and v > -2 ^ 53 and v < 2 ^ 53 and not (v == 0 and 1 / v < 0) then
      return sformat("%d", v) -- (-0 keeps its sign: float_text prints "-0")
    end
    return float_text(v)
  end
  if t == "table" then
    local mt = getmetatable(v)
    if mt == Error or (type(v.kind) == "string" and mt == nil and v[1] == nil) then
      return error_text(v)
    end
    if mt and mt.__tostring then return tostring(v) end
    depth = depth or 0
    if depth > 16 then return "[...]" end
    local n = #v
    if n > 0 or next(v) == nil then
      local parts = {}
      for i = 1, n do parts[i] = repr(v[i], depth + 1) end
      return "[" .. concat(parts, ", ") .. "]"
    end
  end
  return tostring(v)
end
M.repr = repr

-- ---------------------------------------------------------------------------------------
-- The run: one runtime, one host driver, the tasks' coroutines
--
-- A task handle is a userdata made by corral.core (SWIG's layout, metatable corral.Task,
-- __gc drops the C reference). The Lua side of a live task lives in arrays indexed by a
-- slot, which is also the task's token in the core's records: its coroutine, its body
-- and arguments until the first step, its handle and name. A slot is reused once its
-- task ended (no record names a terminal task).
-- ---------------------------------------------------------------------------------------
local R = nil        -- the run in progress (runs do not nest)
local cur = nil      -- slot of the task whose coroutine runs now
local cb_actor = nil -- the callback running now (actor name for log lines)
local cos, fns, argv, handles, names = {}, {}, {}, {}, {}
local free, nfree, nslots = {}, 0, 0
local pool, npool = {}, 0 -- idle coroutines
local h_poll, h_await, h_finish, h_spawn -- bound to the run's host
-- Every task coroutine (weak keys): `task_cos[coroutine.running()]` tells the blocking
-- functions of the other files (queues, sync) that they run in a corral task's coroutine.
local task_cos = setmetatable({}, { __mode = "k" })

local TaskMT = core.task_metatable()
local Task = {} -- methods of task handles
TaskMT.__index = Task
local Future, Scope = {}, {}
Future.__index = Future
Future.__name = "corral.Future"
-- Queue handles are userdata made by corral.core with this metatable (its C methods are the
-- per-item path); corral/queue.lua adds the rest.
local Queue = core.queue_metatable()
M.Task, M.Future, M.Queue, M.Scope = Task, Future, Queue, Scope

local function need_run(fname)
  local run = R
  if not run then
    error(M.error("InvalidState", fname .. ": no corral run in progress (call it inside corral.run)"), 0)
  end
  return run
end

local function not_in_task(fname)
  error(M.error("InvalidState", fname ..
    ": a blocking corral function must be called from a corral task (inside corral.run, " ..
    "in the task's own coroutine)"), 0)
end

-- fn(unpack(args)) as a tail call: the body takes this frame's place.
local function call_packed(fn, args)
  return fn(unpack(args, 1, args.n))
end

-- The function (and its arguments) the worker runs next, for pcall: the task in `cur`'s body.
local function take_body()
  local slot = cur
  local fn, args = fns[slot], argv[slot]
  fns[slot] = false
  if not args then return fn end
  argv[slot] = false
  return call_packed, fn, args
end

-- The body of every task coroutine. Coroutines are reused: after a body ends, the
-- coroutine yields FINISH (-1) and waits to be resumed with the next task's first step.
-- pcall sits in the worker's first registers, so a body runs as low on the coroutine's
-- stack as it can: a parked task keeps that stack, and in Lua 5.4 it doubles from its
-- initial 40 slots once the frames below a yield need more (about 600 bytes per parked
-- task; bench/lua "memory per parked task").
local function worker()
  while true do
    local ok, r = pcall(take_body())
    local text = nil
    if ok and r ~= nil then
      local t = type(r)
      if t ~= "number" and t ~= "string" then text = repr(r) end
    end
    co_yield(-1, ok, r, text)
  end
end

-- Move the runtime's collected diagnostics into the run's log table, one line each.
local function collect_log(run)
  local text = core.host_take_log(run.h)
  for line in text:gmatch("([^\n]*)\n") do run.log[#run.log + 1] = line end
end

-- A diagnostic line of the Lua layer (a hat-style warning, a fallback report): into the run's
-- log table (after the runtime's own lines, to keep their order), standard error, or nowhere
-- (log = false), like the runtime's diagnostics.
local function diag(run, line)
  if run.log then
    collect_log(run)
    run.log[#run.log + 1] = line
  elseif run.logmode ~= "discard" then
    io.stderr:write("corral: " .. line .. "\n")
  end
end

-- Fallback when the runtime refuses a report (closed, out of memory): log and count it here.
local function report_unhandled(run, who, err)
  run.unhandled = run.unhandled + 1
  diag(run, sformat("unhandled error in callback %s: %s", who, repr(err)))
end

-- An error raised by a done callback has nobody to receive it (R20/R76d): it goes to the root
-- group's handler chain (corral_rt_report_error), which emits "root handler <actor> <err>"
-- as its own entry and logs and counts it like a failed task's error (and cancels main in
-- strict mode). Cancelled raised outside any task is a stray cancellation (R14).
local function report_callback_error(run, who, err)
  local e = err
  if M.is_cancelled(err) then -- (Cancelled is control flow, never an error's context)
    e = M.error("StrayCancellation", "")
  end
  local ok, ce = pcall(core.host_error, run.h, e)
  local rc = ok and core.rt_report_error(run.rt, nil, who, ce) or -1
  if rc < 0 then report_unhandled(run, who, err) end
end

-- A HANDLER record (corral_group_set_host_handler): run the group's exception callback
-- fn(err, task) outside any task. If it raises, that value (with the original error as its
-- context) goes on along the handler chain at the group's parent (R56).
local function run_handler(run, rec)
  local entry, err, task = rec.handler, rec.err, rec.task
  if type(entry) ~= "table" then
    -- the callback was replaced or removed after the failure reached it: do not lose it
    local who = task and core.task_name(task) or "handler"
    report_callback_error(run, who, err)
    return
  end
  cb_actor = entry.name
  local ok, e = pcall(entry.fn, err, task)
  cb_actor = nil
  if ok then return end
  local raised = e
  if M.is_cancelled(e) then -- Cancelled outside any task: stray (R14)
    -- its context is the failure being handled, as for any raised error (R56); never the
    -- Cancelled, which is control flow
    raised = M.error("StrayCancellation", "", { context = err })
  elseif type(e) == "table" and e ~= err and rawget(e, "context") == nil then
    local mt = getmetatable(e)
    if mt == nil or mt == Error then rawset(e, "context", err) end -- as the core does (R56)
  end
  local rc = core.host_handler_raised(run.h, rec.i, raised)
  if rc < 0 then report_unhandled(run, entry.name, e) end
end

local function run_callback(run, cb)
  if type(cb) ~= "table" then return end
  if cb.i then return run_handler(run, cb) end
  local fut = cb.fut
  if fut and fut.cbs then fut.cbs[cb.id] = nil end
  cb_actor = cb.name
  local ok, err = pcall(cb.fn, fut)
  cb_actor = nil
  if not ok then report_callback_error(run, cb.name, err) end
end

-- The driver loop: poll the core for a batch of records, and for each START/RESUME record
-- resume the task's coroutine with the outcome, then submit what it yields (an operation
-- to await, or FINISH = -1) until it parks or ends. Kept in one function: this is the hot
-- path. Records come as pairs (tag, value): tag = slot > 0 for START (the slot has no
-- coroutine yet) and for RESUME with a value, -slot for RESUME with an error value, 0 for
-- a CALLBACK (value = the callback's table). A coroutine is resumed with (0, value) or
-- (code < 0, error value).
local function drive(run, main)
  local recs = run.recs
  local poll, await, finish = h_poll, h_await, h_finish
  while true do
    local n, code = poll(main, recs)
    if n == -1 then return end
    if n == nil then raise(code, "corral.run") end
    for i = 1, n do
      local k = i + i
      local slot = recs[k - 1]
      if slot ~= 0 then
        local st = 0
        if slot < 0 then
          slot = -slot
          st = -1
        end
        cur = slot
        local co = cos[slot]
        if not co then -- START: a coroutine from the pool (stale pool entries are harmless)
          if npool > 0 then
            co = pool[npool]
            npool = npool - 1
          else
            co = co_create(worker)
            task_cos[co] = true
          end
          cos[slot] = co
        end
        local ok, op, a, b, c, d = co_resume(co, st, recs[k])
        while true do
          if ok and op ~= -1 then
            local rc, why = await(i, op, a, b, c, d)
            if rc == 1 then break end
            if rc == -1000 then
              ok, op, a, b, c, d = co_resume(co, rc, cancelled_error())
            else
              ok, op, a, b, c, d = co_resume(co, rc, code_error(rc, why))
            end
          else
            if ok then
              finish(i, a, b, c)
              if npool < POOL_MAX then
                npool = npool + 1
                pool[npool] = co
              end
            else
              finish(i, false, op) -- the coroutine itself failed (it should not)
            end
            -- free the slot; empty slots hold false (stores into them stay on the fast path)
            cos[slot], handles[slot] = false, false
            if names[slot] then names[slot] = false end
            nfree = nfree + 1
            free[nfree] = slot
            break
          end
        end
      else
        cur = nil
        run_callback(run, recs[k])
      end
    end
    cur = nil
  end
end

local function spawn_in(group_ud, name, fname, fn, ...)
  if type(fn) ~= "function" and not callable(fn) then argerr(fname, name and 2 or 1, "fn", "function", fn) end
  local slot
  if nfree > 0 then
    slot = free[nfree]
    nfree = nfree - 1
  else
    nslots = nslots + 1
    slot = nslots
  end
  local t, code = h_spawn(group_ud, name, slot)
  if not t then
    nfree = nfree + 1
    free[nfree] = slot
    raise(code, fname)
  end
  fns[slot] = fn
  if select("#", ...) > 0 then argv[slot] = pack(...) end
  handles[slot] = t
  if name then names[slot] = name end
  return t
end

-- The spawn method of a group class C (objects {ud = core group, run = their run}), named
-- fname in errors. The hot path of spawn_many: an unnamed function without arguments goes
-- straight to the core, as corral.spawn does. (Made here: it shares the slot arrays.)
local function make_spawn(C, fname, tname)
  return function(self, a, ...)
    if getmt(self) ~= C then argerr(fname, 1, "self", tname, self) end
    local spawn = h_spawn
    if spawn == nil or self.run ~= R then
      error(M.error("Closed", fname .. ": the group's run is over"), 0)
    end
    if type(a) ~= "function" or select("#", ...) > 0 then
      if type(a) == "string" then return spawn_in(self.ud, a, fname, ...) end
      return spawn_in(self.ud, nil, fname, a, ...)
    end
    local slot
    if nfree > 0 then
      slot = free[nfree]
      nfree = nfree - 1
    else
      nslots = nslots + 1
      slot = nslots
    end
    local t, code = spawn(self.ud, nil, slot)
    if not t then
      nfree = nfree + 1
      free[nfree] = slot
      raise(code, fname)
    end
    fns[slot] = a
    handles[slot] = t
    return t
  end
end

local function reset_tasks()
  cos, fns, argv, handles, names = {}, {}, {}, {}, {}
  free, nfree, nslots = {}, 0, 0
  cur, cb_actor = nil, nil
end

local function close_leftovers()
  -- Tasks the runtime discarded without ending them (a persistent deadlock, or an error of
  -- the driver): close their coroutines so that their <close> variables run (Lua 5.4).
  local left = cos
  reset_tasks()
  if co_close then
    for _, co in pairs(left) do
      if co then pcall(co_close, co) end
    end
  end
end

local SIGNALS = { SIGINT = 2, SIGTERM = 15, [2] = 2, [15] = 15 }


--- corral.run([opts,] fn, ...) -> the value main returned.
-- Runs fn(...) as the task "main" on a fresh runtime and drives it until main and every
-- other task of the root group have ended (R51). Raises main's error (the same value),
-- in strict mode the first unhandled error (the same value, R57), a
-- {kind="Cancelled", cause=...} error if main was cancelled, or a Deadlock error.
-- opts: clock = "real" | "virtual"; trace = true (standard output) | a file descriptor;
--       signals = false to leave SIGINT/SIGTERM alone (default: the first one cancels
--       main; escalate_signals = true: the second one cancels every shield of every task,
--       cutting waiting cleanup short, R51); strict = true (the first unhandled error
--       cancels main); name = "main";
--       log = false (drop the runtime's diagnostics, such as "unhandled error in task A:
--       ...") or a table (they are appended to it, one line each, when the run ends);
--       default: standard error.
function M.run(a, ...)
  if type(a) == "table" and not callable(a) then
    return M.run_opts(a, ...)
  end
  return M.run_opts({}, a, ...)
end

function M.run_opts(opts, fn, ...)
  if R then
    error(M.error("InvalidState", "corral.run: a run is already in progress (runs do not nest)"), 0)
  end
  if type(opts) ~= "table" then argerr("corral.run", 1, "opts", "table", opts) end
  if not callable(fn) then argerr("corral.run", 1, "fn", "function", fn) end
  local flags = 0
  if opts.clock == "virtual" then
    flags = flags + core.RT_VIRTUAL_CLOCK
  elseif opts.clock ~= nil and opts.clock ~= "real" then
    argerr("corral.run", 1, "opts.clock", "'real' or 'virtual'", opts.clock)
  end
  if opts.signals ~= false then flags = flags + core.RT_SIGNALS end
  if opts.strict then flags = flags + core.RT_STRICT end
  if opts.escalate_signals then flags = flags + core.RT_ESCALATE_SIGNALS end
  local name = opts.name or "main"
  if type(name) ~= "string" then argerr("corral.run", 1, "opts.name", "string", name) end
  local trace = opts.trace
  local fd
  if trace ~= nil and trace ~= false then
    fd = trace == true and 1 or trace
    if type(fd) ~= "number" then argerr("corral.run", 1, "opts.trace", "true or a file descriptor", trace) end
  end
  local rc, rt = core.rt_new(flags)
  if rc < 0 then raise(rc, "corral.run") end
  if fd then core.rt_set_trace_fd(rt, fd) end
  local h = core.host_new(rt, Error)
  local log = opts.log
  local logmode = nil
  if log == false then
    core.host_set_log(h, "discard")
    logmode = "discard"
  elseif type(log) == "table" then
    core.host_set_log(h, "collect")
  elseif log ~= nil and log ~= true then
    argerr("corral.run", 1, "opts.log", "true, false or a table", log)
  end
  local run = {
    rt = rt, h = h, recs = {}, closed = false, unhandled = 0,
    log = type(log) == "table" and log or nil, logmode = logmode,
  }
  R = run
  reset_tasks()
  h_poll, h_await, h_finish, h_spawn = core.host_bind(h)
  local ok, main = pcall(spawn_in, nil, name, "corral.run", fn, ...)
  local err
  if ok then
    run.main = main
    ok, err = pcall(drive, run, main)
  else
    err = main
  end
  local results
  if ok then
    local st = core.rt_run_status(rt)
    if st == 0 then
      local _, v = core.task_result(main)
      results = { true, v }
    elseif st == ECANCELLED then
      -- the cause of the cancellation main saw: SIGNAL, EXPLICIT (Task:cancel), ...
      local cause = core.rt_run_cause(rt)
      results = { false, setmetatable({ kind = "Cancelled", msg = "", code = ECANCELLED,
        cause = cause >= 0 and core.cause_name(cause) or "NONE" }, Error) }
    elseif st == EDEADLOCK then
      results = { false, code_error(EDEADLOCK, "no task can make progress") }
    else
      -- the error behind the status: main's own, or in strict mode the first unhandled
      -- error (R57), mapped back to the very Lua value it came from
      local e = core.rt_run_error(rt) or core.task_error(main)
      results = { false, core.host_error_value(h, e, st) }
    end
  else
    results = { false, err }
  end
  run.closed = true
  if run.log then collect_log(run) end
  core.rt_close(rt)
  close_leftovers()
  core.host_close(h)
  h_poll, h_await, h_finish, h_spawn = nil, nil, nil, nil
  R = nil
  if results[1] then return results[2] end
  error(results[2], 0)
end

-- ---------------------------------------------------------------------------------------
-- Checkpoints
-- ---------------------------------------------------------------------------------------
local function await(fname, kind, target, deadline, value)
  local slot = cur
  if slot == nil or co_running() ~= cos[slot] then not_in_task(fname) end
  local st, v = co_yield(kind, target, deadline, value)
  if st == 0 then return v end
  error(v, 0)
end

--- Yield to the other ready tasks; raises Cancelled if cancellation is pending (R23).
function M.checkpoint()
  local slot = cur
  if slot == nil or co_running() ~= cos[slot] then not_in_task("corral.checkpoint") end
  local st, v = co_yield(0) -- OP_CHECKPOINT
  if st ~= 0 then error(v, 0) end
end

--- Sleep for `seconds` (a checkpoint even for 0).
function M.sleep(seconds)
  local slot = cur
  if slot == nil or co_running() ~= cos[slot] then not_in_task("corral.sleep") end
  local ns
  if type(seconds) == "number" and seconds >= 0 and seconds < 9.2e9 then
    ns = floor(seconds * 1e9 + 0.5)
  else
    ns = to_ns("corral.sleep", 1, "seconds", seconds)
  end
  local st, v
  if ns == HUGE then -- forever: no timer (the virtual clock must not jump to one)
    st, v = co_yield(OP_SLEEP, nil, -1)
  else
    st, v = co_yield(OP_SLEEP_FOR, nil, ns)
  end
  if st ~= 0 then error(v, 0) end
end

--- Sleep until the absolute time `deadline` (seconds on the runtime's clock).
function M.sleep_until(deadline)
  if deadline == nil then argerr("corral.sleep_until", 1, "deadline", "number", deadline) end
  await("corral.sleep_until", OP_SLEEP, nil, deadline_ns("corral.sleep_until", 1, deadline))
end

--- The runtime's clock in seconds (the time of the current tick; starts at 0 on the
-- virtual clock, at the runtime's creation on the real one).
function M.now()
  local run = need_run("corral.now")
  return core.rt_now(run.rt) / NS
end

--- The runtime's clock in integer nanoseconds.
function M.now_ns()
  local run = need_run("corral.now_ns")
  return core.rt_now(run.rt)
end

--- The task running now (its handle), or nil.
function M.current()
  local slot = cur
  if slot == nil then return nil end
  return handles[slot]
end

--- True when a checkpoint of the current task would raise Cancelled (R30).
function M.cancel_pending()
  local slot = cur
  if slot == nil then return false end
  return core.task_cancel_pending_fast(handles[slot])
end

local function actor_name()
  if cb_actor then return cb_actor end
  local slot = cur
  if slot == nil then return "main" end
  local n = names[slot]
  if not n then
    n = core.task_name(handles[slot])
    names[slot] = n
  end
  return n
end

--- Emit "<t> <actor> log <text>" through the runtime's trace (the actor is the running
-- task, or the callback running now).
function M.log(text)
  local run = need_run("corral.log")
  if type(text) ~= "string" then text = tostring(text) end
  core.log(run.rt, actor_name(), text)
end

--- Deliver a simulated SIGINT/SIGTERM to the run (the first one cancels main, R51).
function M.inject_signal(sig)
  local run = need_run("corral.inject_signal")
  local signo = SIGNALS[sig or "SIGINT"]
  if not signo then argerr("corral.inject_signal", 1, "sig", "'SIGINT' or 'SIGTERM'", sig) end
  local rc = core.rt_inject_signal(run.rt, signo)
  if rc < 0 then raise(rc, "corral.inject_signal") end
end

--- Errors reported to the root handler so far (plus errors of host callbacks).
function M.unhandled_count()
  local run = need_run("corral.unhandled_count")
  return core.rt_unhandled_count(run.rt) + run.unhandled
end

-- ---------------------------------------------------------------------------------------
-- Tasks
-- ---------------------------------------------------------------------------------------

--- corral.spawn([name,] fn, ...) -> task. Lazy (R7): fn(...) starts at the task's first
-- step, never inside spawn. The task belongs to the root group.
function M.spawn(a, ...)
  local spawn = h_spawn
  if spawn == nil then need_run("corral.spawn") end
  local ta = type(a)
  if ta ~= "function" or select("#", ...) > 0 then
    if ta == "string" then return spawn_in(nil, a, "corral.spawn", ...) end
    return spawn_in(nil, nil, "corral.spawn", a, ...)
  end
  -- fast path: an unnamed function without arguments
  local slot
  if nfree > 0 then
    slot = free[nfree]
    nfree = nfree - 1
  else
    nslots = nslots + 1
    slot = nslots
  end
  local t, code = spawn(nil, nil, slot)
  if not t then
    nfree = nfree + 1
    free[nfree] = slot
    raise(code, "corral.spawn")
  end
  fns[slot] = a
  handles[slot] = t
  return t
end

local function check_task(self, fname)
  if getmt(self) ~= TaskMT then argerr(fname, 1, "self", "corral.Task", self) end
  return self
end

--- task:join([deadline]) -> value. Raises the task's error (the same value),
-- TaskCancelled, or Timeout when the deadline passes. A checkpoint.
function Task:join(deadline)
  local slot = cur
  if slot == nil or co_running() ~= cos[slot] then not_in_task("Task:join") end
  local st, v = co_yield(3, self, deadline and deadline_ns("Task:join", 1, deadline) or -1) -- OP_JOIN
  if st == 0 then return v end
  -- the core checks the target (nothing is performed for a wrong one): name the argument
  if getmt(self) ~= TaskMT then argerr("Task:join", 1, "self", "corral.Task", self) end
  error(v, 0)
end

--- task:cancel() -> true if this call cancelled the task (R15). Never waits.
function Task:cancel()
  check_task(self, "Task:cancel")
  local rc = core.task_cancel(self)
  if rc < 0 then raise(rc, "Task:cancel") end
  return rc == 1
end

--- cancel, then join absorbing TaskCancelled. Returns the task's value if it returned.
function Task:cancel_and_join()
  self:cancel()
  local ok, v = pcall(Task.join, self)
  if ok then return v end
  if type(v) == "table" and v.kind == "TaskCancelled" then return nil end
  error(v, 0)
end

function Task:name()
  check_task(self, "Task:name")
  return core.task_name(self)
end

function Task:id()
  check_task(self, "Task:id")
  return core.task_id(self)
end

function Task:done()
  check_task(self, "Task:done")
  return core.task_done(self) == 1
end

local STATES = { [0] = "created", "running", "ready", "parked", "completed", "failed", "cancelled" }
function Task:state()
  check_task(self, "Task:state")
  return STATES[core.task_state(self)]
end

--- True when the task's next checkpoint would raise Cancelled.
function Task:cancel_pending()
  check_task(self, "Task:cancel_pending")
  return core.task_cancel_pending_fast(self)
end

--- The outcome of a finished task without waiting: its value, or raises its error /
-- TaskCancelled; InvalidState while it runs.
function Task:result()
  check_task(self, "Task:result")
  local rc, v = core.task_result(self)
  if rc == 0 then return v end
  -- the task's state tells a cancelled task from one that failed with a TaskCancelled error
  if rc == core.EINVALIDSTATE or (rc == core.ETASKCANCELLED and core.task_state(self) ~= core.TASK_FAILED) then
    raise(rc, "Task:result")
  end
  local e = core.task_error(self)
  if R then error(core.host_error_value(R.h, e, rc), 0) end
  error(code_error(rc, core.error_message(e)), 0)
end

TaskMT.__tostring = function(t)
  return "corral.Task(" .. tostring(core.task_name(t)) .. ")"
end
TaskMT.__name = "corral.Task"

--- corral.join(task [, deadline]) = task:join(deadline)
function M.join(task, deadline)
  if getmetatable(task) ~= TaskMT then argerr("corral.join", 1, "task", "corral.Task", task) end
  return task:join(deadline)
end

--- True when x is a task handle.
function M.is_task(x)
  return getmetatable(x) == TaskMT
end

-- ---------------------------------------------------------------------------------------
-- Futures
-- ---------------------------------------------------------------------------------------

--- corral.future() -> a pending one-shot future (R19).
function M.future()
  local run = need_run("corral.future")
  local rc, f = core.future_new(run.rt)
  if rc < 0 then raise(rc, "corral.future") end
  return setmetatable({ ud = f, run = run }, Future)
end

local function check_future(self, fname)
  if getmt(self) ~= Future then argerr(fname, 1, "self", "corral.Future", self) end
  if self.run.closed then error(M.error("Closed", fname .. ": the future's run is over"), 0) end
  return self
end

function Future:set_result(v)
  check_future(self, "Future:set_result")
  local rc = core.future_set_result(self.ud, v)
  if rc < 0 then raise(rc, "Future:set_result") end
end

--- Complete with an error value (any Lua value; awaiting tasks get the same value).
function Future:set_error(e)
  check_future(self, "Future:set_error")
  if e == nil then argerr("Future:set_error", 1, "err", "error value", e) end
  local ce = core.host_error(self.run.h, e)
  local rc = core.future_set_error(self.ud, ce)
  if rc < 0 then raise(rc, "Future:set_error") end
end

--- Cancel a pending future: true if it was pending.
function Future:cancel()
  check_future(self, "Future:cancel")
  local rc = core.future_cancel(self.ud)
  if rc < 0 then raise(rc, "Future:cancel") end
  return rc == 1
end

local FSTATES = { [0] = "pending", "result", "error", "cancelled" }
function Future:state()
  local st = core.future_state(self.ud)
  return FSTATES[st]
end

function Future:done()
  return core.future_state(self.ud) ~= core.FUTURE_PENDING
end

function Future:pending()
  return core.future_state(self.ud) == core.FUTURE_PENDING
end

function Future:cancelled()
  return core.future_state(self.ud) == core.FUTURE_CANCELLED
end

--- The outcome without waiting: the value, or raises the error / FutureCancelled;
-- InvalidState while pending.
function Future:result()
  check_future(self, "Future:result")
  local rc, v = core.future_result(self.ud)
  if rc == 0 then return v end
  local st = core.future_state(self.ud)
  if st == core.FUTURE_ERROR then -- the stored error, whatever its kind (FutureCancelled too)
    error(core.host_error_value(self.run.h, core.future_error(self.ud), rc), 0)
  elseif st == core.FUTURE_CANCELLED then
    error(code_error(core.EFUTURECANCELLED, ""), 0) -- as an await reports it
  end
  error(code_error(core.EINVALIDSTATE, "Future:result: the future is pending"), 0)
end

--- future:await([deadline]) -> value. A checkpoint; cancelling the waiter never affects
-- the future (R21); a cancelled future raises FutureCancelled (R22).
-- (Written out, with no helper taking the arguments: a parked task's coroutine keeps this
-- frame, and in Lua 5.4 the registers a many-argument helper call needed here doubled the
-- coroutine's stack - about 700 bytes per parked task, bench/lua "memory per parked task".)
function Future:await(deadline)
  local slot = cur
  if slot == nil or co_running() ~= cos[slot] then not_in_task("Future:await") end
  if getmt(self) ~= Future then argerr("Future:await", 1, "self", "corral.Future", self) end
  if self.run.closed then check_future(self, "Future:await") end
  local dl = -1
  if deadline ~= nil then dl = deadline_ns("Future:await", 1, deadline) end
  local st, v = co_yield(2, self.ud, dl) -- OP_FUTURE
  if st == 0 then return v end
  error(v, 0)
end

--- future:add_done_callback(fn [, name]) -> id. fn(future) runs as its own ready-queue
-- entry after completion (R8, R20), with `name` (default "callback") as the log actor.
function Future:add_done_callback(fn, name)
  check_future(self, "Future:add_done_callback")
  if not callable(fn) then argerr("Future:add_done_callback", 1, "fn", "function", fn) end
  if name ~= nil and type(name) ~= "string" then
    argerr("Future:add_done_callback", 2, "name", "string or nil", name)
  end
  local h = self.run.h
  local cb = { fn = fn, name = name or "callback", fut = self }
  local tok = core.host_ref(h, cb)
  local id = core.future_add_host_callback(self.ud, core.HOST_BINDING, tok)
  if id < 0 then
    core.host_unref(h, tok)
    raise(id, "Future:add_done_callback")
  end
  cb.id = id
  self.cbs = self.cbs or {}
  self.cbs[id] = tok
  return id
end

--- Remove a callback that has not been queued yet: true if removed.
function Future:remove_done_callback(id)
  check_future(self, "Future:remove_done_callback")
  local rc = core.future_remove_callback(self.ud, id)
  if rc < 0 then raise(rc, "Future:remove_done_callback") end
  if rc == 1 and self.cbs and self.cbs[id] then
    core.host_unref(self.run.h, self.cbs[id])
    self.cbs[id] = nil
  end
  return rc == 1
end

--- Close: cancels the future if pending; later calls raise Closed. Idempotent.
function Future:close()
  if getmt(self) ~= Future then argerr("Future:close", 1, "self", "corral.Future", self) end
  if self.run.closed then return end
  core.future_close(self.ud)
end
Future.__close = function(f) f:close() end
Future.__tostring = function(f) return "corral.Future(" .. tostring(f:state()) .. ")" end

--- corral.await(awaitable [, deadline]): a future's value or a task's result.
function M.await(x, deadline)
  local mt = getmetatable(x)
  if mt == Future then return x:await(deadline) end
  if mt == TaskMT then return x:join(deadline) end
  argerr("corral.await", 1, "x", "corral.Future or corral.Task", x)
end

-- ---------------------------------------------------------------------------------------
-- Cancel scopes: move_on_*, fail_*, shield, uncancellable
-- ---------------------------------------------------------------------------------------
local scope_props = {
  cancelled_caught = function(s) return core.scope_cancelled_caught(s.ud) == 1 end,
  cancel_called = function(s) return core.scope_cancel_called(s.ud) == 1 end,
  cause = function(s) return core.cause_name(core.scope_cause(s.ud)) end,
  deadline = function(s)
    local d = core.scope_deadline(s.ud)
    if d < 0 then return nil end
    return d / NS
  end,
}
local scope_methods = {}
Scope.__index = function(s, k)
  local p = scope_props[k]
  if p then return p(s) end
  return scope_methods[k]
end
Scope.__name = "corral.Scope"
Scope.__tostring = function(s) return "corral.Scope" end

--- scope:cancel() -> true if this call cancelled it (cause EXPLICIT). After the scope was
-- left it is a no-op returning false (the core must not touch a left scope's task).
function scope_methods.cancel(s)
  if rawget(s, "exited") then return false end
  local rc = core.scope_cancel(s.ud)
  if rc < 0 then raise(rc, "Scope:cancel") end
  return rc == 1
end

--- scope:set_deadline(deadline|nil): move the deadline (absolute seconds).
function scope_methods.set_deadline(s, deadline)
  if rawget(s, "exited") then
    error(M.error("InvalidState", "Scope:set_deadline: the scope was left"), 0)
  end
  local rc = core.scope_set_deadline(s.ud, deadline_ns("Scope:set_deadline", 1, deadline))
  if rc < 0 then raise(rc, "Scope:set_deadline") end
end

-- The handle of the running task (for scope calls), or an InvalidState error.
local function need_task(fname)
  local slot = cur
  if slot == nil or co_running() ~= cos[slot] then not_in_task(fname) end
  return handles[slot]
end

-- Run fn(scope, ...) inside entered scope `sud` and exit it with the body's outcome.
local function in_scope(fname, rc, sud, fn, ...)
  if rc < 0 then raise(rc, fname) end
  local scope = setmetatable({ ud = sud }, Scope)
  local res = pack(pcall(fn, scope, ...))
  local status = 0
  if not res[1] then status = code_of(res[2]) end
  local out = core.scope_exit(sud, status)
  scope.exited = true
  if out == 0 then
    if res[1] then return scope, unpack(res, 2, res.n) end
    return scope -- the scope absorbed its own Cancelled (R28)
  end
  if out == status then error(res[2], 0) end
  if out == ETIMEOUT then error(code_error(ETIMEOUT, ""), 0) end
  raise(out, fname)
end

local function check_fn(fname, i, fn)
  if not callable(fn) then argerr(fname, i, "fn", "function", fn) end
end

-- A scope whose deadline is now + seconds (R37: counted from entry); math.huge = none.
local function scope_after(fname, enter_at, enter_after, seconds, fn, ...)
  local task = need_task(fname)
  local ns = to_ns(fname, 1, "seconds", seconds)
  check_fn(fname, 2, fn)
  local rc, s
  if ns == HUGE then
    rc, s = enter_at(task, -1)
  else
    rc, s = enter_after(task, ns)
  end
  return in_scope(fname, rc, s, fn, ...)
end

-- A scope with an absolute deadline (nil = none: a plain cancel scope).
local function scope_at(fname, enter_at, deadline, fn, ...)
  local task = need_task(fname)
  local ns = deadline_ns(fname, 1, deadline)
  check_fn(fname, 2, fn)
  local rc, s = enter_at(task, ns)
  return in_scope(fname, rc, s, fn, ...)
end

--- corral.move_on_after(seconds, fn, ...) -> scope, fn's results.
-- Runs fn(scope, ...) in a cancel scope whose deadline is now + seconds (R37); at expiry
-- the body is cancelled and the scope absorbs the Cancelled (scope.cancelled_caught).
function M.move_on_after(seconds, fn, ...)
  return scope_after("corral.move_on_after", core.move_on_at, core.move_on_after, seconds, fn, ...)
end

--- corral.move_on_at(deadline, fn, ...) -> scope, fn's results (absolute deadline; nil =
-- none, a plain cancel scope).
function M.move_on_at(deadline, fn, ...)
  return scope_at("corral.move_on_at", core.move_on_at, deadline, fn, ...)
end

--- corral.fail_after(seconds, fn, ...) -> scope, fn's results; raises Timeout when the
-- deadline cancelled the body (R38; an explicit scope:cancel() behaves like move_on).
function M.fail_after(seconds, fn, ...)
  return scope_after("corral.fail_after", core.fail_at, core.fail_after, seconds, fn, ...)
end

--- corral.fail_at(deadline, fn, ...) -> scope, fn's results.
function M.fail_at(deadline, fn, ...)
  return scope_at("corral.fail_at", core.fail_at, deadline, fn, ...)
end

--- corral.cancel_scope(fn, ...) -> scope, results: a scope without deadline (cancel it
-- with scope:cancel()).
function M.cancel_scope(fn, ...)
  local task = need_task("corral.cancel_scope")
  check_fn("corral.cancel_scope", 1, fn)
  local rc, s = core.move_on_at(task, -1)
  return in_scope("corral.cancel_scope", rc, s, fn, ...)
end

--- corral.shield(fn, ...) -> scope, fn's results: cancellation of outer scopes waits
-- until fn returns (R32); a cancellation that arrived meanwhile is raised at the next
-- checkpoint after the shield.
function M.shield(fn, ...)
  local task = need_task("corral.shield")
  check_fn("corral.shield", 1, fn)
  local rc, s = core.shield(task)
  return in_scope("corral.shield", rc, s, fn, ...)
end

--- corral.uncancellable(fn [, raise_cancel [, ...]]) -> fn's results.
-- Runs fn(...) in the current task inside a shield (R33). If fn raised, that error
-- propagates; else if cancellation is pending: raise_cancel (default true) raises
-- Cancelled and discards the result, raise_cancel = false returns the result and the
-- cancellation is raised at the next checkpoint (R34: defer, never swallow).
-- fn may also be a corral.Task or corral.Future, which is then awaited shielded.
function M.uncancellable(fn, raise_cancel, ...)
  local task = need_task("corral.uncancellable")
  local mt = getmetatable(fn)
  if mt ~= TaskMT and mt ~= Future then check_fn("corral.uncancellable", 1, fn) end
  if raise_cancel == nil then raise_cancel = true end
  local rc, s = core.shield(task)
  if rc < 0 then raise(rc, "corral.uncancellable") end
  local res
  if mt == TaskMT then
    res = pack(pcall(Task.join, fn))
  elseif mt == Future then
    res = pack(pcall(Future.await, fn))
  else
    res = pack(pcall(fn, ...))
  end
  local status = 0
  if not res[1] then status = code_of(res[2]) end
  local out = core.scope_exit_uncancellable(s, status, raise_cancel and 1 or 0)
  if out == 0 then
    if res[1] then return unpack(res, 2, res.n) end
    return
  end
  if out == status then error(res[2], 0) end
  if out == ECANCELLED then error(cancelled_error(), 0) end
  raise(out, "corral.uncancellable")
end

--- Internals for tests: the number of Lua values the running host holds for the core.
M._debug = {
  host_tokens = function()
    local run = need_run("corral._debug.host_tokens")
    return core.host_count(run.h)
  end,
}

-- hat-style names
setmetatable(Future, { __call = function() return M.future() end })

-- ---------------------------------------------------------------------------------------
-- Per-call deadlines of the blocking methods of queues and sync objects (R41)
-- ---------------------------------------------------------------------------------------
local WAIT_KEYS = { deadline = true, timeout = true }

-- `opts`: an absolute deadline in seconds (a number; math.huge = none), or an options table
-- {deadline = seconds, timeout = seconds} (the earlier of the two wins; a timeout counts
-- from now), plus the keys in `extra`, which the caller reads. -> nanoseconds, -1 = none.
local function wait_deadline(fname, i, opts, extra)
  local t = type(opts)
  if t == "number" then return deadline_ns(fname, i, opts) end
  if t ~= "table" then argerr(fname, i, "opts", "deadline (number), options table or nil", opts) end
  for k in next, opts do
    if not WAIT_KEYS[k] and not (extra and extra[k]) then
      error(M.error("InvalidArgument", sformat("%s: bad argument #%d 'opts' (unknown option '%s')",
        fname, i, tostring(k))), 0)
    end
  end
  local ns = -1
  local d = opts.deadline
  if d ~= nil then ns = deadline_ns(fname, i, d) end
  local to = opts.timeout
  if to ~= nil then
    local rel = to_ns(fname, i, "timeout", to, true)
    if rel < 0 then rel = 0 end
    if rel ~= HUGE then -- math.huge: no deadline from the timeout
      local run = R
      local now = run and core.rt_now(run.rt) or 0
      local at = rel < INT64_MAX - now and now + rel or INT64_MAX -- saturates (R3)
      if ns < 0 or at < ns then ns = at end
    end
  end
  return ns
end

-- ---------------------------------------------------------------------------------------
-- Coroutines nested in a task (the generators of corral.contextmanager)
-- ---------------------------------------------------------------------------------------
local co_status = coroutine.status

-- The running task's handle when the code runs in that task's own coroutine (or in a nested
-- coroutine resumed by resume_in_task), else nil: callbacks and code outside corral.run.
local function current_task()
  local slot = cur
  if slot == nil or co_running() ~= cos[slot] then return nil end
  return handles[slot]
end

-- Resume coroutine `co` with (...) inside the running task. While `co` runs it stands for the
-- task's coroutine (blocking corral functions check that they run there), so it may block:
-- the operations it yields are handed on to the driver from the coroutine that resumed it and
-- their outcomes are handed back. Returns, packed, coroutine.resume's results once `co` ends,
-- fails, or yields `tag` as its first value. Nests: a generator may resume another one.
local function resume_in_task(fname, co, tag, ...)
  local slot = cur
  if slot == nil or co_running() ~= cos[slot] then not_in_task(fname) end
  local outer = cos[slot]
  task_cos[co] = true
  cos[slot] = co
  local r = pack(co_resume(co, ...))
  while r[1] and r[2] ~= tag and co_status(co) ~= "dead" do
    cos[slot] = outer
    local back = pack(co_yield(r[2], r[3], r[4], r[5], r[6]))
    cos[slot] = co
    r = pack(co_resume(co, unpack(back, 1, back.n)))
  end
  cos[slot] = outer
  return r
end

-- ---------------------------------------------------------------------------------------
-- Groups, their presets, the helpers, queues and sync objects live in their own files; they
-- share these internals.
-- ---------------------------------------------------------------------------------------
local I = {
  core = core, Error = Error, TaskMT = TaskMT, Task = Task, Future = Future, Queue = Queue,
  Scope = Scope, pack = pack, unpack = unpack, getmt = getmt, INT64_MAX = INT64_MAX, NS = NS,
  argerr = argerr, raise = raise, code_error = code_error, cancelled_error = cancelled_error,
  code_of = code_of, callable = callable, check_fn = check_fn, repr = repr, diag = diag,
  need_run = need_run, need_task = need_task, to_ns = to_ns, deadline_ns = deadline_ns,
  await = await, spawn_in = spawn_in, make_spawn = make_spawn,
  run = function() return R end,
  task_cos = task_cos, not_in_task = not_in_task, wait_deadline = wait_deadline,
  current_task = current_task, resume_in_task = resume_in_task, error_text = error_text,
}
require("corral.group")(M, I)
require("corral.group_presets")(M, I)
require("corral.group_helpers")(M, I)
require("corral.queue")(M, I)
require("corral.sync")(M, I)
require("corral.cleanup")(M, I)
require("corral.cleanup_cm")(M, I)
require("corral.cleanup_group")(M, I)
require("corral.cleanup_defer")(M, I)

return M

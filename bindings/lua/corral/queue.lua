--- corral/queue.lua - hat-style closable queues (R60-R64), installed into `corral` by
-- corral/init.lua: FIFO, LIFO and priority queues and the rendezvous channel.
--
-- A queue is the corral.core handle itself (a userdata with the "corral.Queue" metatable,
-- whose __gc drops the reference): put_nowait, get_nowait, try_put, try_get,
-- get_nowait_until_empty and qsize are C methods of corral.core, so an item that does not
-- wait costs one C call on each side. The blocking methods below yield the core's
-- operations (CORRAL_OP_QUEUE_GET / QUEUE_PUT, the priority in corral_op.arg); every one is a
-- checkpoint (R23). Items are any Lua value: numbers and strings travel as C values (and can
-- cross to C or another binding), anything else as a token of the running host.
--
-- Lua has no keyword arguments: the per-call deadline and the priority of the blocking
-- methods come as a trailing argument that is either a number (an absolute deadline, as
-- everywhere in corral) or an options table {deadline =, timeout =, priority =}.
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local core = I.core
  local Queue = I.Queue
  local argerr, raise, need_run, not_in_task = I.argerr, I.raise, I.need_run, I.not_in_task
  local wait_deadline, task_cos, getmt = I.wait_deadline, I.task_cos, I.getmt
  local type, error, setmetatable, floor = type, error, setmetatable, math.floor
  local co_yield, co_running = coroutine.yield, coroutine.running

  local EQUEUECLOSED, ECLOSED = core.EQUEUECLOSED, core.ECLOSED
  local KINDS = {
    fifo = core.QUEUE_FIFO, lifo = core.QUEUE_LIFO, priority = core.QUEUE_PRIORITY,
    rendezvous = core.QUEUE_RENDEZVOUS,
  }
  local KIND_NAMES = {}
  for name, k in pairs(KINDS) do KIND_NAMES[k] = name end

  -- The run each queue was made in (weak keys): "Closed" errors once it is over.
  local runs = setmetatable({}, { __mode = "k" })

  local function make(fname, maxsize, kind)
    local run = need_run(fname)
    if maxsize == nil then maxsize = 0 end
    if type(maxsize) ~= "number" or maxsize ~= floor(maxsize) then -- (NaN too)
      argerr(fname, 1, "maxsize", "integer", maxsize)
    end
    if maxsize < 0 or maxsize >= 2 ^ 63 then maxsize = 0 end -- R60: <= 0 is unbounded
    local k = KINDS[kind or "fifo"]
    if not k then argerr(fname, 2, "kind", "'fifo', 'lifo', 'priority' or 'rendezvous'", kind) end
    local rc, q = core.queue_new_kind(run.rt, maxsize, k)
    if rc < 0 then raise(rc, fname) end
    runs[q] = run
    return q
  end

  --- corral.queue([maxsize [, kind]]) -> queue. maxsize <= 0 or nil: unbounded (R60).
  -- kind: "fifo" (default), "lifo", "priority" or "rendezvous".
  function M.queue(maxsize, kind) return make("corral.queue", maxsize, kind) end
  --- corral.lifo_queue([maxsize]): last in, first out (asyncio LifoQueue).
  function M.lifo_queue(maxsize) return make("corral.lifo_queue", maxsize, "lifo") end
  --- corral.priority_queue([maxsize]): smallest priority first, equal priorities FIFO; the
  -- priority is given with each put (put_nowait(item, priority), put(item, {priority = p})).
  function M.priority_queue(maxsize) return make("corral.priority_queue", maxsize, "priority") end
  --- corral.channel(): a rendezvous channel (capacity 0, trio's channel of size 0): a put
  -- completes only when a getter takes the item.
  function M.channel() return make("corral.channel", 0, "rendezvous") end

  -- Class-style names: corral.Queue(maxsize), corral.LifoQueue, corral.PriorityQueue,
  -- corral.Channel(). Every kind is a corral.Queue object (q:kind() tells which).
  setmetatable(Queue, { __call = function(_, ...) return M.queue(...) end })
  M.LifoQueue, M.PriorityQueue, M.Channel = M.lifo_queue, M.priority_queue, M.channel

  --- corral.queue_from_pointer(ptr) -> a corral.Queue over a corral_queue* made by C code in
  -- the same process (a light userdata; the object takes its own reference).
  function M.queue_from_pointer(ptr)
    if getmt(ptr) == Queue then return ptr end
    if type(ptr) ~= "userdata" or getmt(ptr) ~= nil then
      argerr("corral.queue_from_pointer", 1, "ptr", "light userdata (a corral_queue*)", ptr)
    end
    local q = core.queue_from_ptr(ptr)
    runs[q] = I.run()
    return q
  end

  --- corral.runtime_pointer() -> the running corral_rt* as a light userdata (borrowed), for C
  -- code in the same process that spawns C tasks on the run (e.g. a C producer).
  function M.runtime_pointer()
    return core.handle_ptr(need_run("corral.runtime_pointer").rt)
  end

  --- q:pointer() -> the corral_queue* as a light userdata, for C code in the same process
  -- (borrowed: keep q alive, or take a reference in C with corral_queue_ref).
  function Queue:pointer()
    if getmt(self) ~= Queue then argerr("Queue:pointer", 1, "self", "corral.Queue", self) end
    return core.handle_ptr(self)
  end

  -- After a failed await: name a wrong self, say the queue's run is over, or name the method
  -- in a refused operation's message.
  local PREFIXED = { InvalidState = true, InvalidArgument = true }
  local function failed(fname, self, err)
    if getmt(self) ~= Queue then argerr(fname, 1, "self", "corral.Queue", self) end
    local run = runs[self]
    if run and run.closed then
      error(M.error("Closed", fname .. ": the queue's run is over"), 0)
    end
    if type(err) == "table" and PREFIXED[err.kind] and type(err.msg) == "string" and
        err.msg:sub(1, #fname) ~= fname then
      err.msg = fname .. ": " .. err.msg
    end
    error(err, 0)
  end

  local GET_KEYS = nil
  local PUT_KEYS = { priority = true }

  --- q:get([deadline | {deadline =, timeout =}]) -> item. A checkpoint (R23); parks while
  -- empty; raises QueueClosed once closed and drained, Timeout at the deadline.
  function Queue:get(opts)
    if not task_cos[co_running()] then not_in_task("Queue:get") end
    local dl = -1
    if opts ~= nil then dl = wait_deadline("Queue:get", 1, opts, GET_KEYS) end
    local st, v = co_yield(4, self, dl) -- OP_QUEUE_GET
    if st == 0 then return v end
    failed("Queue:get", self, v)
  end

  --- q:put(item [, deadline | {deadline =, timeout =, priority =}]). A checkpoint; parks
  -- while full (a rendezvous put until a getter takes the item); raises QueueClosed.
  function Queue:put(v, opts)
    if not task_cos[co_running()] then not_in_task("Queue:put") end
    local dl, prio = -1, nil
    if opts ~= nil then
      dl = wait_deadline("Queue:put", 2, opts, PUT_KEYS)
      if type(opts) == "table" then
        prio = opts.priority
        if prio ~= nil and (type(prio) ~= "number" or prio ~= floor(prio)) then
          argerr("Queue:put", 2, "opts.priority", "integer", prio)
        end
      end
    end
    local st, e = co_yield(5, self, dl, v, prio) -- OP_QUEUE_PUT
    if st ~= 0 then failed("Queue:put", self, e) end
  end

  --- q:get_until_empty([deadline | opts]) -> the last item: one get (a checkpoint), then the
  -- items buffered by then are dropped but the last (hat's get_until_empty, R61).
  function Queue:get_until_empty(opts)
    if getmt(self) ~= Queue then argerr("Queue:get_until_empty", 1, "self", "corral.Queue", self) end
    local v = Queue.get(self, opts)
    local rc, last = core.queue_get_nowait_until_empty(self)
    if rc == 0 then return last end
    return v
  end

  -- The generic-for step of q:iter(): one get per item (a checkpoint each, R23); the loop
  -- ends when the queue is closed and drained (R63).
  local function iter_next(q)
    if not task_cos[co_running()] then not_in_task("Queue:iter") end
    local st, v = co_yield(4, q, -1) -- OP_QUEUE_GET
    if st == 0 then
      if v == nil then
        error(M.error("InvalidState",
          "Queue:iter: got a nil item, which would end the loop (use q:get() for such queues)"), 0)
      end
      return v
    end
    if type(v) == "table" and v.code == EQUEUECLOSED then return nil end
    failed("Queue:iter", q, v)
  end

  --- for item in q:iter() do ... end: items until the queue is closed and drained (Python's
  -- `async for`). A nil item raises InvalidState (it would end the loop).
  function Queue:iter()
    if getmt(self) ~= Queue then argerr("Queue:iter", 1, "self", "corral.Queue", self) end
    return iter_next, self, nil
  end

  local function check(self, fname)
    if getmt(self) ~= Queue then argerr(fname, 1, "self", "corral.Queue", self) end
    return self
  end

  function Queue:maxsize()
    return core.queue_maxsize(check(self, "Queue:maxsize"))
  end

  function Queue:empty()
    return core.queue_size(check(self, "Queue:empty")) == 0
  end

  --- True when a put_nowait would raise QueueFull (a rendezvous channel is full unless a
  -- getter waits).
  function Queue:full()
    return core.queue_full(check(self, "Queue:full")) == 1
  end

  --- "fifo", "lifo", "priority" or "rendezvous".
  function Queue:kind()
    return KIND_NAMES[core.queue_kind(check(self, "Queue:kind"))]
  end

  --- Close (R63): idempotent; parked putters fail with QueueClosed, buffered items stay
  -- gettable, then getters fail with QueueClosed.
  function Queue:close()
    local rc = core.queue_close(check(self, "Queue:close"))
    if rc < 0 and rc ~= ECLOSED then raise(rc, "Queue:close") end
  end

  function Queue:is_closed()
    check(self, "Queue:is_closed")
    local run = runs[self]
    if run and run.closed then return true end
    return core.queue_is_closed(self) == 1
  end

  Queue.__close = function(q) q:close() end
  Queue.__tostring = function(q)
    return "corral.Queue(" .. tostring(KIND_NAMES[core.queue_kind(q)]) .. ")"
  end

  -- LuaJIT: put_nowait, get_nowait, try_put and try_get through the FFI, compiled into the
  -- caller's loop (corral/queue_jit.lua); elsewhere the C methods stay.
  if jit then M._debug.queue_ffi = require("corral.queue_jit")(M, I) end
end

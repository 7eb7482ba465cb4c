-- bench/lua/impls.lua - the four implementations of each workload, side by side.
--
-- Every workload function takes N and returns the CPU seconds spent on the N operations
-- (os.clock: process CPU time, which includes the peers' epoll_wait system calls and is
-- robust against other processes on a shared machine). Memory workloads return
-- (rss_bytes, lua_heap_bytes) per parked (or, for spawn_many_mem, live) task.
--
-- spawn_many: N tasks spawned into one group, each yields once, then the spawner waits for
-- all of them (corral.task_group's exit; a live-count group in sched; a counter and a
-- condition in cqueues, which has no groups; raw just resumes every coroutine twice).
-- spawn_many_mem runs the same with `many_probe` as the child: the N-th task to start reads
-- RSS and the Lua heap, when every task is alive (the workload's peak).
--
--   raw     bare coroutines: resume/yield directly, the floor
--   sched   a minimal plain-Lua scheduler (FIFO ready queue of coroutines, join lists,
--           a two-list channel): what a few dozen lines of Lua give
--   cqueues cqueues (controller:wrap, cqueues.poll() to yield, condition variables)
--   corral  the corral Lua binding (corral.spawn, checkpoint, join, queues, futures)
--
-- queue_<size> / queue_<size>_nowait: a producer puts the integers 1..N into a queue of that
-- maxsize and closes it; a consumer gets until it is closed and drained, summing (checked:
-- every item exactly once). raw: a Lua ring buffer between two coroutines that switch only
-- when it is full or empty; sched: a bounded channel in the plain-Lua scheduler (parks when
-- full / empty, wakes through the ready queue); cqueues: the same with two
-- cqueues.condition variables. corral: `q:put` / `for x in q:iter()` (every call a
-- checkpoint, R23: two schedule points per item whatever the size), and in the _nowait rows
-- `q:try_put` / `q:try_get` first, falling back to the blocking call only when the queue is
-- full / empty (the peers' own behaviour: they only switch when they must wait).
local clock = os.clock
local unpack = table.unpack or unpack
local create, resume, yield, wrap = coroutine.create, coroutine.resume, coroutine.yield,
    coroutine.wrap

local I = {}

-- Resident set size in bytes (Linux), and the Lua heap in bytes after a full collection.
local function rss()
  local f = io.open("/proc/self/statm")
  if not f then return 0 end
  local _, res = f:read("*n", "*n")
  f:close()
  return res * 4096
end
local function heap()
  collectgarbage()
  collectgarbage()
  return collectgarbage("count") * 1024
end
I.rss, I.heap = rss, heap

-- The spawn_many_mem child's bookkeeping, the same for every implementation: call
-- probe.start() first thing in each task; the N-th call reads RSS and the heap.
local function many_probe(N)
  local p = { started = 0 }
  function p.start()
    p.started = p.started + 1
    if p.started == N then p.r1, p.h1 = rss(), heap() end
  end
  return p
end

-- ---------------------------------------------------------------------------------------
-- raw: the floor
-- ---------------------------------------------------------------------------------------
I.raw = {
  -- one resume + one yield
  switch = function(N)
    local co = wrap(function() while true do yield() end end)
    local t0 = clock()
    for _ = 1, N do co() end
    return clock() - t0
  end,
  -- create a coroutine and run it to its end
  spawn_join = function(N)
    local f = function() end
    local t0 = clock()
    for _ = 1, N do
      local co = create(f)
      resume(co)
    end
    return clock() - t0
  end,
  -- a value there and back: resume with it, the coroutine yields it back
  ping_pong = function(N)
    local co = wrap(function(v) while true do v = yield(v) end end)
    local t0 = clock()
    for i = 1, N do co(i) end
    return clock() - t0
  end,
  parked = function(N)
    local keep = {}
    local f = function() yield() end
    local r0, h0 = rss(), heap()
    for i = 1, N do
      local co = create(f)
      resume(co)
      keep[i] = co
    end
    local r1, h1 = rss(), heap()
    return (r1 - r0) / N, (h1 - h0) / N, keep
  end,
  -- N coroutines each resumed up to their yield, then each resumed to its end
  spawn_many = function(N)
    local f = function() yield() end
    local t0 = clock()
    local cos = {}
    for i = 1, N do
      local co = create(f)
      resume(co)
      cos[i] = co
    end
    for i = 1, N do resume(cos[i]) end
    return clock() - t0
  end,
  spawn_many_mem = function(N)
    local f = function() yield() end
    local cos = {}
    local r0, h0 = rss(), heap()
    for i = 1, N do
      local co = create(f)
      resume(co)
      cos[i] = co
    end
    local r1, h1 = rss(), heap()
    for i = 1, N do resume(cos[i]) end
    return (r1 - r0) / N, (h1 - h0) / N
  end,
}

-- ---------------------------------------------------------------------------------------
-- sched: a minimal plain-Lua scheduler
-- ---------------------------------------------------------------------------------------
local function new_sched()
  local S = {}
  local ready, head, tail = {}, 1, 0
  local current
  local function push(t)
    tail = tail + 1
    ready[tail] = t
  end
  function S.spawn(fn, ...)
    local args = { ... }
    local t = { done = false }
    t.co = create(function()
      t.result = fn(unpack(args))
      t.done = true
      local j = t.joiners
      if j then for i = 1, #j do push(j[i]) end end
    end)
    push(t)
    return t
  end
  function S.yield()
    push(current)
    yield()
  end
  -- park the current task on a waiter list (which keeps it alive)
  function S.park(list)
    list[#list + 1] = current
    yield()
  end
  function S.wake(t) push(t) end
  function S.current() return current end
  function S.join(t)
    if t.done then return t.result end
    local j = t.joiners
    if not j then
      j = {}
      t.joiners = j
    end
    j[#j + 1] = current
    yield()
    return t.result
  end
  -- a channel: items and parked getters, FIFO
  function S.channel()
    local items, ih, it = {}, 1, 0
    local getters, gh, gt = {}, 1, 0
    local ch = {}
    function ch.put(v)
      if gh <= gt then
        local g = getters[gh]
        getters[gh] = nil
        gh = gh + 1
        g.value = v
        push(g)
      else
        it = it + 1
        items[it] = v
      end
    end
    function ch.get()
      if ih <= it then
        local v = items[ih]
        items[ih] = nil
        ih = ih + 1
        return v
      end
      gt = gt + 1
      getters[gt] = current
      yield()
      local v = current.value
      current.value = nil
      return v
    end
    return ch
  end
  -- a task group: a count of live members and the task waiting for them
  function S.group()
    local g = { live = 0 }
    local function member(fn, ...)
      fn(...)
      g.live = g.live - 1
      if g.live == 0 and g.waiter then push(g.waiter) end
    end
    function g.spawn(fn, ...)
      g.live = g.live + 1
      return S.spawn(member, fn, ...)
    end
    function g.wait()
      if g.live > 0 then
        g.waiter = current
        yield()
      end
    end
    return g
  end
  function S.run(fn)
    local main = S.spawn(fn)
    while head <= tail do
      local t = ready[head]
      ready[head] = nil
      head = head + 1
      current = t
      local ok, err = resume(t.co)
      if not ok then error(err, 0) end
    end
    return main.result
  end
  return S
end

I.sched = {
  switch = function(N)
    local S = new_sched()
    return S.run(function()
      local function loop(n) for _ = 1, n do S.yield() end end
      local t0 = clock()
      local a, b = S.spawn(loop, N / 2), S.spawn(loop, N / 2)
      S.join(a)
      S.join(b)
      return clock() - t0
    end)
  end,
  spawn_join = function(N)
    local S = new_sched()
    return S.run(function()
      local f = function() end
      local t0 = clock()
      for _ = 1, N do S.join(S.spawn(f)) end
      return clock() - t0
    end)
  end,
  ping_pong = function(N)
    local S = new_sched()
    return S.run(function()
      local q1, q2 = S.channel(), S.channel()
      local t0 = clock()
      local p = S.spawn(function() for _ = 1, N do q2.put(q1.get()) end end)
      for i = 1, N do
        q1.put(i)
        q2.get()
      end
      S.join(p)
      return clock() - t0
    end)
  end,
  parked = function(N)
    local S = new_sched()
    local out = {}
    S.run(function()
      local waiters = {}
      local parked = function() S.park(waiters) end
      local r0, h0 = rss(), heap()
      for _ = 1, N do S.spawn(parked) end
      S.yield() -- every task starts and parks
      local r1, h1 = rss(), heap()
      out = { (r1 - r0) / N, (h1 - h0) / N }
    end)
    return out[1], out[2]
  end,
  spawn_many = function(N)
    local S = new_sched()
    return S.run(function()
      local child = function() S.yield() end
      local t0 = clock()
      local g = S.group()
      for _ = 1, N do g.spawn(child) end
      g.wait()
      return clock() - t0
    end)
  end,
  spawn_many_mem = function(N)
    local S = new_sched()
    local p = many_probe(N)
    local r0, h0
    S.run(function()
      local child = function()
        p.start()
        S.yield()
      end
      r0, h0 = rss(), heap()
      local g = S.group()
      for _ = 1, N do g.spawn(child) end
      g.wait()
    end)
    return (p.r1 - r0) / N, (p.h1 - h0) / N
  end,
}

-- ---------------------------------------------------------------------------------------
-- cqueues
-- ---------------------------------------------------------------------------------------
local has_cq, cqueues = pcall(require, "cqueues")
local condition = has_cq and require "cqueues.condition"

local function in_cq(fn)
  local cq = cqueues.new()
  local r1, r2
  cq:wrap(function() r1, r2 = fn(cq) end)
  assert(cq:loop())
  return r1, r2
end

I.cqueues = has_cq and {
  switch = function(N)
    return in_cq(function(cq)
      local done, c = 0, condition.new()
      local function loop(n)
        for _ = 1, n do cqueues.poll() end
        done = done + 1
        c:signal()
      end
      local t0 = clock()
      cq:wrap(loop, N / 2)
      cq:wrap(loop, N / 2)
      while done < 2 do c:wait() end
      return clock() - t0
    end)
  end,
  -- cqueues has no join: the child signals a condition when it ends
  spawn_join = function(N)
    return in_cq(function(cq)
      local t0 = clock()
      for _ = 1, N do
        local fin, jc = false, condition.new()
        cq:wrap(function()
          fin = true
          jc:signal()
        end)
        if not fin then jc:wait() end
      end
      return clock() - t0
    end)
  end,
  -- two one-slot mailboxes with a condition each
  ping_pong = function(N)
    return in_cq(function(cq)
      local c1, c2 = condition.new(), condition.new()
      local box1, box2
      local t0 = clock()
      cq:wrap(function()
        for _ = 1, N do
          while box1 == nil do c1:wait() end
          local v = box1
          box1 = nil
          box2 = v
          c2:signal()
        end
      end)
      for i = 1, N do
        box1 = i
        c1:signal()
        while box2 == nil do c2:wait() end
        box2 = nil
      end
      return clock() - t0
    end)
  end,
  parked = function(N)
    return in_cq(function(cq)
      local c = condition.new()
      local parked = function() c:wait() end
      local r0, h0 = rss(), heap()
      for _ = 1, N do cq:wrap(parked) end
      cqueues.poll() -- every coroutine starts and parks
      local r1, h1 = rss(), heap()
      c:signal()
      return (r1 - r0) / N, (h1 - h0) / N
    end)
  end,
  -- no groups in cqueues: the children count themselves out and the last one signals
  spawn_many = function(N)
    return in_cq(function(cq)
      local done, c = 0, condition.new()
      local function child()
        cqueues.poll()
        done = done + 1
        if done == N then c:signal() end
      end
      local t0 = clock()
      for _ = 1, N do cq:wrap(child) end
      while done < N do c:wait() end
      return clock() - t0
    end)
  end,
  spawn_many_mem = function(N)
    local p = many_probe(N)
    local r0, h0
    in_cq(function(cq)
      local done, c = 0, condition.new()
      local function child()
        p.start()
        cqueues.poll()
        done = done + 1
        if done == N then c:signal() end
      end
      r0, h0 = rss(), heap()
      for _ = 1, N do cq:wrap(child) end
      while done < N do c:wait() end
    end)
    return (p.r1 - r0) / N, (p.h1 - h0) / N
  end,
} or nil

-- ---------------------------------------------------------------------------------------
-- corral
-- ---------------------------------------------------------------------------------------
local has_corral, corral = pcall(require, "corral")

I.corral = has_corral and {
  switch = function(N)
    return corral.run(function()
      local checkpoint = corral.checkpoint
      local function loop(n) for _ = 1, n do checkpoint() end end
      local t0 = clock()
      local a, b = corral.spawn(loop, N / 2), corral.spawn(loop, N / 2)
      a:join()
      b:join()
      return clock() - t0
    end)
  end,
  spawn_join = function(N)
    return corral.run(function()
      local spawn = corral.spawn
      local f = function() end
      local t0 = clock()
      for _ = 1, N do spawn(f):join() end
      return clock() - t0
    end)
  end,
  ping_pong = function(N)
    return corral.run(function()
      local q1, q2 = corral.queue(), corral.queue()
      local t0 = clock()
      local p = corral.spawn(function() for _ = 1, N do q2:put_nowait(q1:get()) end end)
      for i = 1, N do
        q1:put_nowait(i)
        q2:get()
      end
      p:join()
      return clock() - t0
    end)
  end,
  parked = function(N)
    local out
    corral.run(function()
      local f = corral.future()
      local parked = function() f:await() end
      local r0, h0 = rss(), heap()
      for _ = 1, N do corral.spawn(parked) end
      corral.checkpoint() -- every task starts and parks
      local r1, h1 = rss(), heap()
      out = { (r1 - r0) / N, (h1 - h0) / N }
      f:set_result(true)
    end)
    return out[1], out[2]
  end,
  spawn_many = function(N)
    return corral.run(function()
      local checkpoint = corral.checkpoint
      local child = function() checkpoint() end
      local t0 = clock()
      corral.task_group(function(tg)
        for _ = 1, N do tg:spawn(child) end
      end)
      return clock() - t0
    end)
  end,
  spawn_many_mem = function(N)
    local p = many_probe(N)
    local r0, h0
    corral.run(function()
      local child = function()
        p.start()
        corral.checkpoint()
      end
      r0, h0 = rss(), heap()
      corral.task_group(function(tg)
        for _ = 1, N do tg:spawn(child) end
      end)
    end)
    return (p.r1 - r0) / N, (p.h1 - h0) / N
  end,
} or nil

-- ---------------------------------------------------------------------------------------
-- producer/consumer through a queue (queue_1, queue_1024 and their _nowait rows)
-- ---------------------------------------------------------------------------------------
local function check_sum(N, got, sum)
  assert(got == N and sum == N * (N + 1) / 2, "queue: items lost or duplicated")
end

-- raw: a ring buffer; the consumer (the main loop) resumes the producer when it is empty,
-- the producer yields when it is full
local function raw_queue(N, maxsize)
  local buf, head, tail = {}, 1, 0
  local prod = create(function()
    for i = 1, N do
      while tail - head + 1 >= maxsize do yield() end
      tail = tail + 1
      buf[tail] = i
    end
  end)
  local t0 = clock()
  local got, sum = 0, 0
  while got < N do
    if head > tail then resume(prod) end
    while head <= tail do
      local v = buf[head]
      buf[head] = nil
      head = head + 1
      sum = sum + v
      got = got + 1
    end
  end
  local t = clock() - t0
  check_sum(N, got, sum)
  return t
end

-- sched: a bounded channel; put parks while full, get while empty, the other side wakes them
local function sched_queue(N, maxsize)
  local S = new_sched()
  return S.run(function()
    local items, ih, it, closed = {}, 1, 0, false
    local getters, putters = {}, {}
    local function wake_one(list)
      local t = list[1]
      if t then
        table.remove(list, 1)
        S.wake(t)
      end
    end
    local function put(v)
      while it - ih + 1 >= maxsize do S.park(putters) end
      it = it + 1
      items[it] = v
      wake_one(getters)
    end
    local function get()
      while ih > it do
        if closed then return nil end
        S.park(getters)
      end
      local v = items[ih]
      items[ih] = nil
      ih = ih + 1
      wake_one(putters)
      return v
    end
    local t0 = clock()
    local p = S.spawn(function()
      for i = 1, N do put(i) end
      closed = true
      while getters[1] do wake_one(getters) end
    end)
    local got, sum = 0, 0
    while true do
      local x = get()
      if x == nil then break end
      sum = sum + x
      got = got + 1
    end
    local t = clock() - t0
    S.join(p)
    check_sum(N, got, sum)
    return t
  end)
end

-- cqueues: the same channel with two condition variables (cqueues' idiom for a queue)
local function cq_queue(N, maxsize)
  return in_cq(function(cq)
    local items, ih, it, closed = {}, 1, 0, false
    local not_empty, not_full = condition.new(), condition.new()
    local function put(v)
      while it - ih + 1 >= maxsize do not_full:wait() end
      it = it + 1
      items[it] = v
      not_empty:signal()
    end
    local function get()
      while ih > it do
        if closed then return nil end
        not_empty:wait()
      end
      local v = items[ih]
      items[ih] = nil
      ih = ih + 1
      not_full:signal()
      return v
    end
    local t0 = clock()
    cq:wrap(function()
      for i = 1, N do put(i) end
      closed = true
      not_empty:signal()
    end)
    local got, sum = 0, 0
    while true do
      local x = get()
      if x == nil then break end
      sum = sum + x
      got = got + 1
    end
    local t = clock() - t0
    check_sum(N, got, sum)
    return t
  end)
end

-- corral: a producer task and the consumer (main). nowait: try_put / try_get first, the
-- blocking call only when full / empty (q:iter()'s step blocks and gives nil once the queue is
-- closed and drained: no pcall needed).
local function corral_queue(N, maxsize, nowait)
  return corral.run(function()
    local q = corral.queue(maxsize)
    local t0 = clock()
    local p
    if nowait then
      p = corral.spawn(function()
        local try_put, put = q.try_put, q.put
        for i = 1, N do
          if not try_put(q, i) then put(q, i) end
        end
        q:close()
      end)
    else
      p = corral.spawn(function()
        local put = q.put
        for i = 1, N do put(q, i) end
        q:close()
      end)
    end
    local got, sum = 0, 0
    if nowait then
      local try_get, step = q.try_get, q:iter()
      while true do
        local ok, x = try_get(q)
        if not ok then
          x = step(q)
          if x == nil then break end
        end
        sum = sum + x
        got = got + 1
      end
    else
      for x in q:iter() do
        sum = sum + x
        got = got + 1
      end
    end
    local t = clock() - t0
    p:join()
    check_sum(N, got, sum)
    return t
  end)
end

local queue_impls = { raw = raw_queue, sched = sched_queue, cqueues = cq_queue, corral = corral_queue }
for name, fn in pairs(queue_impls) do
  local set = I[name]
  if set then
    for _, size in ipairs({ 1, 1024 }) do
      set["queue_" .. size] = function(N) return fn(N, size, false) end
      set["queue_" .. size .. "_nowait"] = function(N) return fn(N, size, true) end
    end
  end
end

return I

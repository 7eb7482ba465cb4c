-- Stress (issue 7): many producers and consumers on every queue kind, with random
-- cancellations, timeouts and non-blocking calls; every item whose put succeeded is got
-- exactly once, and no other item is got (R27, R60, R64). Lua values (tables) travel as host
-- tokens, none of which may be left behind.
local corral = require "corral"
local H = require "spec.helper"

local function stress(kind, maxsize, seed)
  math.randomseed(seed)
  local random = math.random
  local stats = {}
  H.vrun(function()
    local base = corral._debug.host_tokens()
    local q = corral.queue(maxsize, kind)
    local ITEMS, NP, NC = 3000, 8, 6
    local put_ok, got = {}, {}
    local next_id = 0
    local producers, consumers = {}, {}
    local cancels, timeouts, gets = 0, 0, 0

    local function id_of(v)
      if type(v) == "table" then return v.id end
      if type(v) == "string" then return tonumber(v:sub(2)) end
      return v
    end

    local function producer()
      while next_id < ITEMS do
        next_id = next_id + 1
        local id = next_id
        local item = id
        if id % 3 == 1 then item = { id = id } elseif id % 3 == 2 then item = "s" .. id end
        local prio = random(0, 5)
        local r = random()
        local ok, e
        if r < 0.25 then
          ok = q:try_put(item, prio)
          if not ok then ok, e = pcall(q.put, q, item, { priority = prio, timeout = random(0, 3) / 1000 }) end
        elseif r < 0.5 then
          ok, e = pcall(q.put, q, item, { priority = prio, timeout = random(1, 4) / 1000 })
        else
          ok, e = pcall(q.put, q, item, { priority = prio })
        end
        if ok then
          put_ok[id] = true
        elseif corral.is_cancelled(e) then
          error(e, 0) -- the put had no effect; the task ends cancelled
        elseif corral.kind(e) == "Timeout" then
          timeouts = timeouts + 1
        else
          error(e, 0)
        end
        if random() < 0.3 then corral.sleep(random(0, 2) / 1000) end
      end
    end

    local function record(v)
      local id = id_of(v)
      got[id] = (got[id] or 0) + 1
      gets = gets + 1
    end

    local function consumer()
      while true do
        local r = random()
        local ok, v
        if r < 0.2 then
          ok, v = q:try_get()
          if not ok then ok, v = pcall(q.get, q, { timeout = random(0, 3) / 1000 }) end
        elseif r < 0.3 then
          ok, v = pcall(function()
            for x in q:iter() do
              record(x)
              if random() < 0.5 then return "stop" end
            end
            error(corral.error("QueueClosed", "iteration ended"), 0)
          end)
          if ok then v = nil end
        else
          ok, v = pcall(q.get, q)
        end
        if ok then
          if v ~= nil then record(v) end
        elseif corral.kind(v) == "QueueClosed" then
          return
        elseif corral.kind(v) == "Timeout" then
          timeouts = timeouts + 1
        else
          error(v, 0) -- Cancelled: whatever was got is recorded; nothing else was taken
        end
        if random() < 0.2 then corral.sleep(random(0, 2) / 1000) end
      end
    end

    for i = 1, NP do producers[i] = corral.spawn(producer) end
    for i = 1, NC do consumers[i] = corral.spawn(consumer) end

    -- chaos: cancel a random producer or consumer now and then, and replace it
    local chaos = corral.spawn(function()
      while next_id < ITEMS do
        if random() < 0.5 then corral.checkpoint() else corral.sleep(random(0, 1) / 1000) end
        local list, fn = producers, producer
        if random() < 0.5 then list, fn = consumers, consumer end
        local i = random(1, #list)
        if list[i]:cancel() then cancels = cancels + 1 end
        list[i] = corral.spawn(fn)
      end
    end)
    chaos:join()
    for _, t in ipairs(producers) do
      local ok, e = pcall(t.join, t)
      if not ok and corral.kind(e) ~= "TaskCancelled" then error(e, 0) end
    end
    q:close()
    consumers[#consumers + 1] = corral.spawn(consumer) -- in case every consumer was cancelled
    for _, t in ipairs(consumers) do
      local ok, e = pcall(t.join, t)
      if not ok and corral.kind(e) ~= "TaskCancelled" then error(e, 0) end
    end
    -- consumers cancelled just after a get returned an item recorded it; any left over?
    while true do
      local ok, v = q:try_get()
      if not ok then break end
      record(v)
    end
    for id = 1, ITEMS do
      local want = put_ok[id] and 1 or nil
      if got[id] ~= want then
        error(string.format("%s/%d: item %d put %s, got %s times", kind, maxsize, id,
          tostring(put_ok[id] or false), tostring(got[id] or 0)), 0)
      end
    end
    corral.sleep(0.001) -- RELEASE records of dropped tokens
    stats.tokens = corral._debug.host_tokens() - base
    stats.cancels, stats.timeouts, stats.gets = cancels, timeouts, gets
  end)
  return stats
end

describe("queue stress with random cancellations", function()
  for _, case in ipairs({
    { "fifo", 1 }, { "fifo", 4 }, { "fifo", 0 }, { "lifo", 3 }, { "priority", 2 },
    { "priority", 0 }, { "rendezvous", 0 },
  }) do
    local kind, maxsize = case[1], case[2]
    it(string.format("%s queue, maxsize %d: every item put is got exactly once", kind, maxsize), function()
      for seed = 1, 3 do
        local s = stress(kind, maxsize, seed * 7919 + maxsize)
        assert.equals(0, s.tokens)
        assert.is_true(s.cancels > 100, "too few cancellations: " .. s.cancels)
        assert.is_true(s.gets > 1000, "too few items: " .. s.gets)
      end
    end)
  end
end)

describe("lock and semaphore stress with random cancellations", function()
  for _, permits in ipairs({ 0, 1, 3 }) do -- 0: a Lock
    it(permits == 0 and "a lock is never held twice and ends free" or
      string.format("a semaphore of %d never lends more and ends full", permits), function()
      math.randomseed(permits + 17)
      local random = math.random
      H.vrun(function()
        local obj = permits == 0 and corral.lock() or corral.bounded_semaphore(permits)
        local limit = permits == 0 and 1 or permits
        local inside, max_inside, entries, cancels = 0, 0, 0, 0
        local function worker()
          for _ = 1, 50 do
            local ok, e = pcall(function()
              local opts = random() < 0.3 and { timeout = random(0, 2) / 1000 } or nil
              obj:acquire(opts)
              inside = inside + 1
              entries = entries + 1
              if inside > max_inside then max_inside = inside end
              local ok2, e2 = pcall(corral.sleep, random(0, 1) / 1000)
              inside = inside - 1
              obj:release()
              if not ok2 then error(e2, 0) end
            end)
            if not ok and corral.kind(e) ~= "Timeout" then error(e, 0) end
          end
        end
        local ws = {}
        for i = 1, 10 do ws[i] = corral.spawn(worker) end
        for _ = 1, 200 do
          corral.sleep(random(0, 1) / 1000)
          local i = random(1, #ws)
          if ws[i]:cancel() then cancels = cancels + 1 end
          ws[i] = corral.spawn(worker)
        end
        for _, t in ipairs(ws) do pcall(t.join, t) end
        assert.is_true(max_inside <= limit)
        assert.is_true(cancels > 50)
        assert.is_true(entries > 200)
        if permits == 0 then
          assert.is_false(obj:locked())
        else
          assert.equals(permits, obj:value())
        end
      end)
    end)
  end
end)

-- A resource pool whose members are closed on cancellation (corral.contextmanager,
-- corral.ExitStack, corral.with). Runs on Lua 5.4 and LuaJIT:
--   lua5.4 examples/resource_pool.lua      (with LUA_PATH / LUA_CPATH_5_4 set, see README)
--
-- The pool opens N connections, each one a context manager; the pool's exit stack closes
-- them in reverse order however the pool is left. Here the serving task is cancelled while
-- it works: the closes still run - and may still block, as managed cleanup (R66) - before
-- the cancellation completes.
local corral = require "corral"

-- One connection: opening and closing take time (they block, like real I/O would).
local connection = corral.contextmanager(function(yield, id, events)
  corral.sleep(0.001)
  events[#events + 1] = "open " .. id
  local ok, err = pcall(yield, { id = id })
  corral.sleep(0.001) -- runs even when the task is cancelled: it is managed cleanup
  events[#events + 1] = "close " .. id
  if not ok then error(err, 0) end
end)

-- pool(n, events) -> a context manager whose value is the list of open connections.
local pool = corral.contextmanager(function(yield, n, events)
  corral.with(corral.ExitStack(), function(stack)
    local conns = {}
    for i = 1, n do conns[i] = stack:enter_context(connection(i, events)) end
    yield(conns)
  end)
end)

local events = {}
corral.run({ clock = "virtual" }, function()
  local server = corral.spawn("server", function()
    corral.with(pool(3, events), function(conns)
      for round = 1, math.huge do
        for _, c in ipairs(conns) do
          corral.sleep(0.010) -- serve a request on c
          events[#events + 1] = "served on " .. c.id
        end
      end
    end)
  end)
  corral.sleep(0.025)
  server:cancel() -- e.g. a shutdown signal
  local ok, err = pcall(server.join, server)
  events[#events + 1] = "server " .. (ok and "returned" or corral.kind(err))
end)
print(table.concat(events, "\n"))

-- Cross-language (issue 7): a C producer (examples/cproducer.c, a Lua C module built next to
-- corral/core.so) and Lua consumers on one run, through queues made in Lua or in C.
--
-- Each case runs in a child interpreter: the C producer is a C fiber, and under ASan the core
-- leaves a freed fiber stack's redzones in the shadow memory (core/src/stack_pool.c unmaps
-- without unpoisoning), which LuaJIT's own allocator may map again later in the same process.
local H = require "spec.helper"

local has_cp = pcall(require, "corral_cproducer")

local PRELUDE = [[
local corral = require "corral"
local cproducer = require "corral_cproducer"
local function check(ok, what) if not ok then print("FAILED: " .. what) os.exit(1) end end
]]

local function run_child(body)
  local out = H.child(PRELUDE .. body)
  assert.is_nil(out:match("FAILED[^\n]*"), out)
  return out
end

describe("a C producer and a Lua consumer", function()
  it("share a queue made in Lua (q:pointer(), corral.runtime_pointer())", function()
    if not has_cp then return pending("corral_cproducer.so not built") end
    local out = run_child([[
      corral.run({ clock = "virtual", signals = false }, function()
        local q = corral.queue(2) -- the C fiber parks in corral_queue_put while it is full
        cproducer.start(corral.runtime_pointer(), q:pointer(), 10, "C")
        local got, first = {}, nil
        for x in q:iter() do
          first = first or x
          got[#got + 1] = corral.repr(x)
        end
        print(table.concat(got, ","))
        check(math.type == nil or math.type(first) == "integer", "C integers are Lua integers")
        check(q:is_closed(), "closed by the producer")
      end)
    ]])
    assert.matches("^1,2,3,4,5,6,7,8,9,10,0.5,from C\n", out)
  end)

  it("share a queue made in C (corral.queue_from_pointer), with two Lua consumers", function()
    if not has_cp then return pending("corral_cproducer.so not built") end
    local out = run_child([[
      corral.run({ clock = "virtual", signals = false }, function()
        local q = corral.queue_from_pointer(cproducer.new_queue(corral.runtime_pointer(), 1, 100))
        check(getmetatable(q) == corral.Queue, "a corral.Queue")
        check(q:maxsize() == 1, "maxsize")
        local counts, sum = {}, 0
        local function consumer(name)
          counts[name] = 0
          for x in q:iter() do
            counts[name] = counts[name] + 1
            if type(x) == "number" and x == math.floor(x) then sum = sum + x end
          end
        end
        local a, b = corral.spawn(consumer, "a"), corral.spawn(consumer, "b")
        a:join()
        b:join()
        check(counts.a > 0 and counts.b > 0, "both consumers got items")
        print(counts.a + counts.b, sum)
      end)
    ]])
    assert.matches("^102\t5050\n", out)
  end)

  it("a Lua consumer closing early makes the C producer's put fail with QueueClosed", function()
    if not has_cp then return pending("corral_cproducer.so not built") end
    local out = run_child([[
      local log = {}
      corral.run({ clock = "virtual", signals = false, log = log }, function()
        local q = corral.queue(1)
        cproducer.start(corral.runtime_pointer(), q:pointer(), 1000, "C")
        check(q:get() == 1, "first item")
        q:close()
        corral.sleep(0.001)
      end)
      -- the producer fiber returned CORRAL_EQUEUECLOSED: its failure reached the root handler
      print(table.concat(log, "\n"))
    ]])
    assert.matches("unhandled error in task C: QueueClosed", out)
  end)
end)

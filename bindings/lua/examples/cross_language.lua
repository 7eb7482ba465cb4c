-- Cross-language queues: a C producer and a Lua consumer on one corral run.
--
--   lua5.4 examples/cross_language.lua        (LUA_CPATH_5_4 must find corral/core.so and
--   luajit examples/cross_language.lua         corral_cproducer.so, built next to it)
--
-- A corral queue is an ordinary C handle: q:pointer() hands a Lua-made queue to C code in the
-- same process, corral.queue_from_pointer(ptr) wraps a C-made one. The producer
-- (examples/cproducer.c) is a C fiber on the run's own runtime; its items are C values (INT,
-- DOUBLE, BYTES), which arrive as Lua integers, floats and strings. It closes the queue after
-- its last item, which ends the Lua `for` loop (R63).
local corral = require "corral"
local cproducer = require "corral_cproducer"

corral.run({ clock = "virtual" }, function()
  -- 1. a queue made in Lua, filled by C
  local q = corral.queue(4)
  cproducer.start(corral.runtime_pointer(), q:pointer(), 5, "C producer")
  local got = {}
  for x in q:iter() do got[#got + 1] = corral.repr(x) end
  print("Lua consumer got: " .. table.concat(got, " "))           --> 1 2 3 4 5 0.5 from C

  -- 2. a queue made in C (with its producer), consumed in Lua
  local q2 = corral.queue_from_pointer(cproducer.new_queue(corral.runtime_pointer(), 1, 3))
  local sum = 0
  for x in q2:iter() do
    if type(x) == "number" and x == math.floor(x) then sum = sum + x end
  end
  print("sum of the C queue's integers: " .. sum)                  --> 6
end)

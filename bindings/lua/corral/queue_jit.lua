--- corral/queue_jit.lua - LuaJIT only: a compiled per-item path for queues, loaded by
-- corral/queue.lua.
--
-- LuaJIT cannot compile calls of Lua C functions, so the C methods put_nowait, get_nowait,
-- try_put and try_get would cost a Lua C API call per item. Here they are Lua functions
-- that call the core's corral_queue_put_nowait / corral_queue_get_nowait through the FFI
-- (function pointers from corral.core, a reused corral_value cdata), which the JIT compiles
-- into the caller's loop. Only numbers take this path; every other item, a priority, a
-- failure other than Full/Empty (Closed, a wrong self...) goes to the C method, which then
-- performs the same operation or raises the same error (a failed put or get changes nothing,
-- so doing it again gives the same outcome). Items that come out as something else than a
-- number (a string, a Lua value's token, a pointer) are converted by corral.core.take_value.
--
-- This file is NOT under jit.off: it is the part meant to be compiled. CORRAL_LUA_NO_FFI=1
-- in the environment turns it off.
local ok_ffi, ffi = pcall(require, "ffi")

return function(M, I)
  if not ok_ffi or not jit or os.getenv("CORRAL_LUA_NO_FFI") == "1" then return false end
  local core, Queue, getmt = I.core, I.Queue, I.getmt
  if not core.queue_fn_ptrs or not core.take_value then return false end
  local floor, type, tonumber, setmetatable = math.floor, type, tonumber, setmetatable

  -- corral_value (core/include/corral/common.h), under a name of our own
  ffi.cdef [[
    typedef struct corral_lua_value_t {
      uint32_t type;
      uint32_t binding;
      union { int64_t i; double d; const void *p; uint64_t token; } as;
      uint64_t len;
      void (*dtor)(void *p);
    } corral_lua_value_t;
  ]]
  local put_ptr, get_ptr = core.queue_fn_ptrs()
  local put_fn = ffi.cast("int (*)(void *, const corral_lua_value_t *)", put_ptr)
  local get_fn = ffi.cast("int (*)(void *, corral_lua_value_t *)", get_ptr)
  local vin, vout = ffi.new("corral_lua_value_t"), ffi.new("corral_lua_value_t")
  local take_value, handle_ptr = core.take_value, core.handle_ptr
  local EFULL, EEMPTY = core.EQUEUEFULL, core.EQUEUEEMPTY
  local VINT, VDOUBLE = core.VALUE_INT, core.VALUE_DOUBLE
  local MAXINT = 9007199254740992 -- 2^53: integral numbers below travel as INT (as in C)

  -- queue handle -> its corral_queue* (weak keys: the handle keeps the queue alive)
  local ptrs = setmetatable({}, { __mode = "k" })
  local function ptr_of(q)
    if getmt(q) ~= Queue then return nil end
    local p = ffi.cast("void *", handle_ptr(q))
    ptrs[q] = p
    return p
  end

  -- vin = the number v (INT when integral, as corral.core's conversion does on LuaJIT; -0
  -- stays a double, whose sign the canonical text keeps)
  local function set_number(v)
    if v == floor(v) and v > -MAXINT and v < MAXINT and (v ~= 0 or 1 / v > 0) then
      vin.type = VINT
      vin.as.i = v
    else
      vin.type = VDOUBLE
      vin.as.d = v
    end
  end

  -- the item get_nowait left in vout
  local function item()
    local t = vout.type
    if t == VINT then return tonumber(vout.as.i) end
    if t == VDOUBLE then return vout.as.d end
    return take_value(vout)
  end

  local c_put_nowait, c_get_nowait = Queue.put_nowait, Queue.get_nowait
  local c_try_put, c_try_get = Queue.try_put, Queue.try_get

  function Queue.try_put(q, v, prio)
    if prio == nil and type(v) == "number" then
      local p = ptrs[q] or ptr_of(q)
      if p then
        set_number(v)
        local rc = put_fn(p, vin)
        if rc == 0 then return true end
        if rc == EFULL then return false end
      end
    end
    return c_try_put(q, v, prio)
  end

  function Queue.put_nowait(q, v, prio)
    if prio == nil and type(v) == "number" then
      local p = ptrs[q] or ptr_of(q)
      if p then
        set_number(v)
        if put_fn(p, vin) == 0 then return end
      end
    end
    return c_put_nowait(q, v, prio)
  end

  function Queue.try_get(q)
    local p = ptrs[q] or ptr_of(q)
    if p then
      local rc = get_fn(p, vout)
      if rc == 0 then return true, item() end
      if rc == EEMPTY then return false end
    end
    return c_try_get(q)
  end

  function Queue.get_nowait(q)
    local p = ptrs[q] or ptr_of(q)
    if p and get_fn(p, vout) == 0 then return item() end
    return c_get_nowait(q)
  end

  return true
end

--- corral/cleanup_defer.lua - Go-style deferred cleanup: corral.defer and corral.adefer
-- (aiotools defer / adefer, R67), installed into `corral` by corral/init.lua.
--
-- Both wrap a function whose first parameter is a registrar `defer(fn, ...)`; the calls
-- registered run LIFO when the function ends (return, error or cancellation), every one of
-- them (R67, unlike aiotools adefer), on an exit stack (corral/cleanup.lua).
-- LuaJIT: interpreted, as corral/init.lua explains.
if jit and debug then jit.off(debug.getinfo(1, "f").func, true) end

return function(M, I)
  local check_fn, callable, argerr, pack, unpack = I.check_fn, I.callable, I.argerr, I.pack, I.unpack
  local Future, TaskMT = I.Future, I.TaskMT
  local getmetatable, pcall, error = getmetatable, pcall, error

  -- Run fn(registrar, ...) with a fresh exit stack, then unwind it with fn's error (or
  -- none): fn's results, or the final error (R67).
  local function run_deferring(fname, fn, registrar_of, ...)
    local st = I.new_stack(nil)
    local res = pack(pcall(fn, registrar_of(st), ...))
    local err = nil
    if not res[1] then
      err = res[2]
      if err == nil then err = M.error("LuaError", "nil") end
    end
    local final = I.unwind_stack(st, fname, I.current_task(), err)
    if final ~= nil then error(final, 0) end
    return unpack(res, 2, res.n)
  end

  local function async_registrar(st)
    return function(f, ...)
      local mt = getmetatable(f)
      if mt ~= Future and mt ~= TaskMT and not callable(f) then
        argerr("defer", 1, "fn", "function, corral.Future or corral.Task", f)
      end
      st:callback(f, ...)
      return f
    end
  end

  local function sync_registrar(st)
    return function(f, ...)
      local mt = getmetatable(f)
      if mt == Future or mt == TaskMT then
        argerr("defer", 1, "fn", "plain function (corral.defer refuses awaitables; use corral.adefer)", f)
      end
      if not callable(f) then argerr("defer", 1, "fn", "function", f) end
      st:callback(f, ...)
      return f
    end
  end

  --- corral.adefer(fn) -> wrapped (aiotools adefer). wrapped(...) calls fn(defer, ...); each
  -- defer(f, ...) registers f(...) - f a function (which may block; a corral.Future or
  -- corral.Task it returns is awaited) or a corral.Future / corral.Task (awaited). When fn
  -- ends - returns, raises or is cancelled - the registered calls run LIFO in the calling
  -- task as managed cleanup (R66: shielded, with the grace of the nearest group's
  -- cleanup_timeout), every one of them even if earlier ones fail; wrapped returns fn's
  -- results, or raises the last error (its context is the error before it, R67). defer
  -- raises InvalidArgument for a value it cannot call. Raises InvalidArgument when fn is not
  -- callable.
  function M.adefer(fn)
    check_fn("corral.adefer", 1, fn)
    return function(...) return run_deferring("corral.adefer", fn, async_registrar, ...) end
  end

  --- corral.defer(fn) -> wrapped (aiotools defer): as corral.adefer, but defer(f, ...) only
  -- takes plain functions (InvalidArgument for a corral.Future or corral.Task), and wrapped
  -- also works outside a corral task (then the deferred calls run without a cleanup scope).
  function M.defer(fn)
    check_fn("corral.defer", 1, fn)
    return function(...) return run_deferring("corral.defer", fn, sync_registrar, ...) end
  end
end

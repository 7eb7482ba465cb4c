-- To-be-closed variables (Lua 5.4) and corral.with (both): closing corral objects, and a
-- task's own <close> variables on every exit path.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

-- Lua 5.4 syntax is compiled at run time so that LuaJIT can load this file.
local function lua54(src)
  local f = assert(load(src, "=<close> spec", "t", setmetatable({ corral = corral, H = H, assert = assert },
    { __index = _G })))
  return f()
end

describe("corral.with (Lua 5.4 and LuaJIT)", function()
  it("closes a queue and a future after the body", function()
    vrun(function()
      local q, f
      corral.with(corral.queue(), function(x) q = x; x:put_nowait(1) end)
      assert.is_true(q:is_closed())
      assert.equals(1, q:get_nowait())
      corral.with(corral.future(), function(x) f = x end)
      assert.is_true(f:cancelled())
    end)
  end)

  it("re-raises the body's error after closing", function()
    vrun(function()
      local q
      local e = H.raises(corral.with, corral.queue(), function(x) q = x; error("inside", 0) end)
      assert.equals("inside", e)
      assert.is_true(q:is_closed())
    end)
  end)

  it("checks its arguments", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.with", "obj" }, corral.with, {}, print)
      H.assert_error("InvalidArgument", { "corral.with", "fn" }, corral.with, corral.queue(), 3)
    end)
  end)
end)

local d = H.LUA54 and describe or pending
d("<close> variables (Lua 5.4)", function()
  it("close a group on scope exit: async_close(cancel) shielded (R49, S41)", function()
    local log = lua54([[
      local log = {}
      corral.run({ clock = "virtual", signals = false }, function()
        do
          local g <close> = corral.group("G")
          g:spawn("T", function()
            local ok, e = pcall(corral.sleep, 0.1)
            corral.shield(function() corral.sleep(0.002) end)
            log[#log + 1] = "T cleanup at " .. H.ms()
            error(e, 0)
          end)
          corral.sleep(0.005)
        end
        log[#log + 1] = "after at " .. H.ms()
      end)
      return log
    ]])
    assert.same({ "T cleanup at 7", "after at 7" }, log)
  end)

  it("close queues and futures", function()
    local ok = lua54([[
      return corral.run({ clock = "virtual" }, function()
        local q0, f0
        do
          local q <close> = corral.queue()
          local f <close> = corral.future()
          q0, f0 = q, f
        end
        return q0:is_closed() and f0:cancelled()
      end)
    ]])
    assert.is_true(ok)
  end)

  it("run a task's own <close> variables on return, error and cancellation", function()
    local log = lua54([[
      local log = {}
      local function closer(name)
        return setmetatable({}, { __close = function(_, err)
          log[#log + 1] = name .. ":" .. (err == nil and "ok" or corral.kind(err))
        end })
      end
      corral.run({ clock = "virtual", signals = false, log = false }, function()
        local a = corral.spawn(function() local c <close> = closer("return"); return 1 end)
        local b = corral.spawn(function() local c <close> = closer("error"); error(corral.error("ValueError")) end)
        local c = corral.spawn(function() local c <close> = closer("cancel"); corral.sleep(1) end)
        corral.checkpoint()
        c:cancel()
        pcall(a.join, a); pcall(b.join, b); pcall(c.join, c)
      end)
      return log
    ]])
    assert.same({ "return:ok", "error:ValueError", "cancel:Cancelled" }, log)
  end)

  it("lets a __close on the cancellation path await under a shield", function()
    local at = lua54([[
      local at
      corral.run({ clock = "virtual", signals = false }, function()
        local t = corral.spawn(function()
          local c <close> = setmetatable({}, { __close = function()
            corral.shield(function() corral.sleep(0.003) end)
            at = H.ms()
          end })
          corral.sleep(1)
        end)
        corral.sleep(0.001)
        t:cancel()
        pcall(t.join, t)
      end)
      return at
    ]])
    assert.equals(4, at)
  end)

  it("closes the coroutines of tasks the runtime discarded", function()
    local closed = lua54([[
      local closed = false
      pcall(corral.run, { clock = "virtual", signals = false, log = false }, function()
        corral.spawn(function()
          local c <close> = setmetatable({}, { __close = function() closed = true end })
          corral.shield(function() corral.future():await() end) -- survives the shutdown cancel
        end)
        corral.future():await()
      end)
      return closed
    ]])
    assert.is_true(closed)
  end)
end)

-- Context managers: corral.with / corral.enter, corral.contextmanager (R68),
-- corral.closing_async and tasks as <close> variables.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

local function lua54(src)
  local f = assert(load(src, "=<close> spec", "t", setmetatable({ corral = corral, H = H, assert = assert },
    { __index = _G })))
  return f()
end

local function E(msg) return corral.error("ValueError", msg) end

-- A generator CM that records what happens to it in `log`.
local function recording(log)
  return corral.contextmanager(function(yield, name)
    corral.sleep(0.001) -- generators may block
    log[#log + 1] = "enter " .. name
    local ok, err = pcall(yield, name .. "!")
    log[#log + 1] = "exit " .. tostring(ok and "ok" or err)
    if not ok then error(err, 0) end
  end)
end

describe("corral.with and a context manager", function()
  it("passes enter's value to the body and returns the body's results", function()
    vrun(function()
      local log = {}
      local a, b = corral.with(recording(log)("r"), function(v, x) return v, x end, "arg")
      assert.equals("r!", a)
      assert.equals("arg", b)
      assert.same({ "enter r", "exit ok" }, log)
    end)
  end)

  it("a plain table with enter/exit is a CM; exit returning true suppresses an ordinary error", function()
    vrun(function()
      local cm = { enter = function(self) return self end, exit = function(_, err) return err ~= nil end }
      assert.is_nil(corral.with(cm, function() error(E("x"), 0) end))
    end)
  end)

  it("an exit raising replaces the body's error, which becomes its context (R67)", function()
    vrun(function()
      local cm = { enter = function() end, exit = function() error(E("exit"), 0) end }
      local e = H.raises(corral.with, cm, function() error(E("body"), 0) end)
      assert.equals("ValueError:exit <- ValueError:body", tostring(e))
    end)
  end)

  it("if enter raises, the body does not run and exit is not called", function()
    vrun(function()
      local ran = false
      local cm = { enter = function() error(E("enter"), 0) end, exit = function() ran = true end }
      local e = H.raises(corral.with, cm, function() ran = true end)
      assert.equals("ValueError:enter", tostring(e))
      assert.is_false(ran)
    end)
  end)

  it("a plain CM's exit runs as managed cleanup: it may block after the body was cancelled (R66)", function()
    vrun(function()
      local log = {}
      local cm = { enter = function() return "v" end,
                   exit = function(_, err)
                     local ok, e = pcall(corral.sleep, 0.003)
                     log[#log + 1] = "exit " .. corral.kind(err) .. " sleep ok=" .. tostring(ok) .. " at " .. H.ms()
                   end }
      local t = corral.spawn(function() corral.with(cm, function() corral.sleep(0.1) end) end)
      corral.sleep(0.001)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.same({ "exit Cancelled sleep ok=true at 4" }, log)
    end)
  end)

  it("a plain CM's exit cut short by the cleanup grace: CleanupTimeout to the handlers, the outcome kept (R66)", function()
    vrun(function()
      local grp = corral.Group("G")
      grp:set_cleanup_timeout(0.002)
      local cm = { enter = function() end, exit = function() corral.sleep(1); error("unreachable") end }
      local t = grp:spawn("T", function() return corral.with(cm, function() return "body" end) end)
      assert.equals("body", t:join())
      assert.equals(2, H.ms())
      local t2 = grp:spawn("T2", function() corral.with(cm, function() error(E("body"), 0) end) end)
      local e = H.raises(t2.join, t2)
      assert.equals("ValueError:body", tostring(e))
      corral.sleep(0)
      grp:close()
    end)
    assert.same({ "unhandled error in task T: CleanupTimeout", "unhandled error in task T2: CleanupTimeout",
      "unhandled error in task T2: ValueError: body" }, H.last_log)
  end)

  it("a plain CM works outside a corral run (its exit then runs without a cleanup scope)", function()
    local log = {}
    local cm = { enter = function() return 1 end, exit = function(_, err) log[#log + 1] = tostring(err) end }
    assert.equals(2, corral.with(cm, function(v) return v + 1 end))
    assert.same({ "nil" }, log)
  end)

  it("corral.enter of a closable corral object enters it as corral.with does: x, x", function()
    vrun(function()
      local l = corral.lock()
      local a, b = corral.enter(l)
      assert.equals(l, a)
      assert.equals(l, b)
      assert.is_true(l:locked())
      l:release()
      local g = corral.group("G")
      assert.equals(g, (corral.enter(g)))
      g:async_close()
      H.assert_error("InvalidArgument", { "corral.enter", "cm" }, corral.enter, corral.future())
    end)
  end)

  it("an exit error replacing Cancelled does not get Cancelled as its context (R67)", function()
    vrun(function()
      local cm = { enter = function() end, exit = function() error(E("exit"), 0) end }
      local gen = corral.contextmanager(function(yield)
        local ok, err = pcall(yield)
        error(E("gen"), 0)
      end)
      local closing = corral.closing_async({ close = function() error(E("close"), 0) end })
      for _, c in ipairs({ { cm, "ValueError:exit" }, { gen(), "ValueError:gen" }, { closing, "ValueError:close" } }) do
        local t = corral.spawn(function() corral.with(c[1], function() corral.sleep(1) end) end)
        corral.sleep(0.001)
        t:cancel()
        local e = H.raises(t.join, t)
        assert.equals(c[2], tostring(e))
        assert.is_nil(rawget(e, "context"))
      end
      corral.sleep(0)
    end)
  end)
end)

describe("corral.contextmanager (R68)", function()
  it("throws the body's error in at yield; the generator finishing suppresses it", function()
    vrun(function()
      local cm = corral.contextmanager(function(yield)
        local ok = pcall(yield)
        assert(not ok)
      end)
      assert.is_nil(corral.with(cm(), function() error(E("x"), 0) end))
    end)
  end)

  it("never suppresses Cancelled (S42)", function()
    vrun(function()
      local saw
      local cm = corral.contextmanager(function(yield)
        local ok, err = pcall(yield)
        saw = corral.is_cancelled(err)
      end)
      local s = corral.move_on_after(0.005, function()
        corral.with(cm(), function() corral.sleep(1) end)
        error("unreachable")
      end)
      assert.is_true(saw)
      assert.is_true(s.cancelled_caught)
    end)
  end)

  it("the part after yield runs as managed cleanup: it may block after cancellation (R66)", function()
    vrun(function()
      local cleaned
      local cm = corral.contextmanager(function(yield)
        local ok, err = pcall(yield)
        corral.sleep(0.003)
        cleaned = H.ms()
        if not ok then error(err, 0) end
      end)
      corral.move_on_after(0.005, function() corral.with(cm(), function() corral.sleep(1) end) end)
      assert.equals(8, cleaned)
    end)
  end)

  it("a generator that never yields raises InvalidState didn't yield", function()
    vrun(function()
      local cm = corral.contextmanager(function() end)
      H.assert_error("InvalidState", { "didn't yield" }, corral.with, cm(), function() end)
    end)
  end)

  it("a generator that yields twice raises InvalidState didn't stop", function()
    vrun(function()
      local cm = corral.contextmanager(function(yield) yield(); yield() end)
      H.assert_error("InvalidState", { "didn't stop" }, corral.with, cm(), function() end)
    end)
  end)

  it("yielding again after a throw raises didn't stop after throw, with the error as context", function()
    vrun(function()
      local cm = corral.contextmanager(function(yield) pcall(yield); yield() end)
      local e = H.assert_error("InvalidState", { "didn't stop after throw" }, corral.with, cm(),
        function() error(E("body"), 0) end)
      assert.equals("ValueError:body", tostring(e.context))
    end)
  end)

  it("a generator raising another error propagates it, context = the original", function()
    vrun(function()
      local cm = corral.contextmanager(function(yield)
        pcall(yield)
        error(E("gen"), 0)
      end)
      local e = H.raises(corral.with, cm(), function() error(E("body"), 0) end)
      assert.equals("ValueError:gen <- ValueError:body", tostring(e))
    end)
  end)

  it("an error before the yield is raised by enter", function()
    vrun(function()
      local cm = corral.contextmanager(function() error(E("setup"), 0) end)
      local e = H.raises(corral.with, cm(), function() end)
      assert.equals("ValueError:setup", tostring(e))
    end)
  end)

  it("rejects bad input: a generator that is not callable, enter twice, exit before enter, yield elsewhere", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.contextmanager" }, corral.contextmanager, 42)
      local saved
      local cm = corral.contextmanager(function(yield) saved = yield; yield(1) end)()
      H.assert_error("InvalidState", { "not entered" }, cm.exit, cm, nil)
      cm:enter()
      H.assert_error("InvalidState", { "already entered" }, cm.enter, cm)
      H.assert_error("InvalidState", { "outside" }, saved)
      assert.is_false(cm:exit(nil))
    end)
  end)

  it("a generator may be entered in one task and exited in another", function()
    vrun(function()
      local log = {}
      local cm = recording(log)("x")
      corral.spawn("in", function() cm:enter() end):join()
      corral.spawn("out", function() cm:exit(nil) end):join()
      assert.same({ "enter x", "exit ok" }, log)
    end)
  end)
end)

describe("corral.closing_async", function()
  it("closes the object on exit: async_close when it has one, else close", function()
    vrun(function()
      local log = {}
      local obj = { close = function(self) corral.sleep(0.001); log[#log + 1] = "closed" end }
      assert.equals(obj, corral.with(corral.closing_async(obj), function(o) return o end))
      local g = corral.group()
      corral.with(corral.closing_async(g), function() end)
      assert.is_true(g:is_closed())
      assert.same({ "closed" }, log)
      assert.equals(1, H.ms())
    end)
  end)

  it("rejects an object without close", function()
    H.assert_error("InvalidArgument", { "corral.closing_async" }, corral.closing_async, {})
    H.assert_error("InvalidArgument", { "corral.closing_async" }, corral.closing_async, 3)
  end)
end)

local d = H.LUA54 and describe or pending
d("<close> on context managers and tasks (Lua 5.4)", function()
  it("corral.enter(cm) with a <close> variable exits with the error in flight", function()
    local log = lua54([[
      local log = {}
      H.vrun(function()
        local cm = corral.contextmanager(function(yield)
          local ok, err = pcall(yield, "v")
          log[#log + 1] = "exit " .. tostring(ok or err)
        end)
        do
          local c <close>, v = corral.enter(cm())
          log[#log + 1] = "value " .. v
        end
        pcall(function()
          local c <close> = corral.enter(cm())
          error("boom", 0)
        end)
      end)
      return log
    ]])
    assert.same({ "value v", "exit true", "exit boom" }, log)
  end)

  it("a task <close> variable cancels and awaits the task", function()
    local r = lua54([[
      return H.vrun(function()
        local cleaned
        do
          local t <close> = corral.spawn(function()
            local ok, e = pcall(corral.sleep, 1)
            corral.shield(function() corral.sleep(0.002) end)
            cleaned = H.ms()
            error(e, 0)
          end)
          corral.sleep(0.001)
        end
        return cleaned
      end)
    ]])
    assert.equals(3, r)
  end)
end)

-- corral.ExitStack (contextlib.AsyncExitStack, R66, R67).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

-- Lua 5.4 syntax is compiled at run time so that LuaJIT can load this file.
local function lua54(src)
  local f = assert(load(src, "=<close> spec", "t", setmetatable({ corral = corral, H = H, assert = assert },
    { __index = _G })))
  return f()
end

local function E(msg) return corral.error("ValueError", msg) end

describe("ExitStack", function()
  it("a suppressed callback error that had replaced Cancelled ends the block; the cancel comes back later (R67, R24)", function()
    vrun(function()
      local log = {}
      local t = corral.spawn("T", function()
        corral.with(corral.ExitStack(), function(st)
          st:enter_context({ enter = function() end, exit = function(_, e)
            log[#log + 1] = "suppress " .. corral.kind(e)
            return true
          end })
          st:callback(function() error(corral.error("TypeError", "cb"), 0) end)
          corral.sleep(1)
        end)
        log[#log + 1] = "block ended"
        corral.checkpoint() -- the pending cancellation is delivered here
        log[#log + 1] = "unreachable"
      end)
      corral.sleep(0.001)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.same({ "suppress TypeError", "block ended" }, log)
    end)
  end)

  it("runs the callbacks LIFO with their arguments when closed", function()
    vrun(function()
      local order = {}
      local st = corral.ExitStack()
      local function note(a, b) order[#order + 1] = a .. b end
      assert.equals(note, st:callback(note, "a", 1))
      st:push_async_callback(note, "b", 2)
      assert.equals(2, st:size())
      st:close()
      assert.same({ "b2", "a1" }, order)
      assert.is_true(st:closed())
    end)
  end)

  it("runs every callback even if earlier ones fail; the last error wins, the older is its context (R67, S29)", function()
    vrun(function()
      local ran = {}
      local st = corral.ExitStack()
      st:callback(function() ran[#ran + 1] = "E1"; error(E("E1"), 0) end)
      st:callback(function() ran[#ran + 1] = "ok" end)
      st:callback(function() ran[#ran + 1] = "E2"; error(E("E2"), 0) end)
      local e = H.raises(st.close, st)
      assert.same({ "E2", "ok", "E1" }, ran)
      assert.equals("ValueError:E1 <- ValueError:E2", tostring(e))
    end)
  end)

  it("an exit function sees the current error and may suppress an ordinary one", function()
    vrun(function()
      local seen
      local r = corral.with(corral.ExitStack(), function(st)
        st:push(function(err) seen = err; return true end)
        error(E("body"), 0)
      end)
      assert.is_nil(r)
      assert.equals("ValueError:body", tostring(seen))
    end)
  end)

  it("cannot suppress Cancelled (R68)", function()
    vrun(function()
      local s = corral.move_on_after(0.001, function()
        corral.with(corral.ExitStack(), function(st)
          st:push(function() return true end)
          corral.sleep(1)
        end)
        error("unreachable: the stack suppressed Cancelled")
      end)
      assert.is_true(s.cancelled_caught)
    end)
  end)

  it("exit(Cancelled) reports no suppression even when an exit function returns true", function()
    vrun(function()
      local st = corral.ExitStack()
      st:push(function() return true end)
      assert.is_false(st:exit(corral.error("Cancelled")))
      local st2 = corral.ExitStack()
      st2:push(function() return true end)
      assert.is_true(st2:exit(corral.error("ValueError", "x")))
    end)
  end)

  it("unwinds shielded after cancellation: callbacks may still block (R66, S28)", function()
    vrun(function()
      local done_at
      local t = corral.spawn("A", function()
        corral.with(corral.ExitStack(), function(st)
          st:callback(function() corral.sleep(0.005); done_at = H.ms() end)
          corral.sleep(1)
        end)
      end)
      corral.sleep(0.010)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.equals(15, done_at)
    end)
  end)

  it("cleanup_timeout bounds the unwinding: CleanupTimeout to the handlers, outcome kept (R66, S30)", function()
    vrun(function()
      local after_slow
      local t = corral.spawn("A", function()
        corral.with(corral.ExitStack({ cleanup_timeout = 0.005 }), function(st)
          st:callback(function() after_slow = "ran after the slow one" end)
          st:callback(function() corral.sleep(0.020) end)
          error(E("body"), 0)
        end)
      end)
      local e = H.raises(t.join, t)
      assert.equals("ValueError:body", tostring(e)) -- the original outcome
      assert.equals(5, H.ms())
      assert.equals("ran after the slow one", after_slow)
      corral.sleep(0)
    end)
    assert.same({ "unhandled error in task A: CleanupTimeout", "unhandled error in task A: ValueError: body" },
      H.last_log)
  end)

  it("corral.with keeps the stack's own cleanup_timeout, even one longer than the group's", function()
    vrun(function()
      local grp = corral.Group("G")
      grp:set_cleanup_timeout(0.002)
      local at
      local t = grp:spawn("T", function()
        corral.with(corral.ExitStack({ cleanup_timeout = 0.010 }), function(st)
          st:callback(function() corral.sleep(0.005); at = H.ms() end)
        end)
      end)
      t:join()
      assert.equals(5, at)
      grp:close()
    end)
    assert.same({}, H.last_log)
  end)

  it("awaits a future pushed as a callback, and one a callback returns", function()
    vrun(function()
      local f1, f2 = corral.future(), corral.future()
      corral.spawn(function() corral.sleep(0.002); f1:set_result(1); f2:set_result(2) end)
      local st = corral.ExitStack()
      st:callback(f1)
      st:callback(function() return f2 end)
      st:close()
      assert.equals(2, H.ms())
    end)
  end)

  it("enter_context enters a CM and pushes its exit; a failed enter pushes nothing", function()
    vrun(function()
      local log = {}
      local cm = { enter = function() log[#log + 1] = "enter"; return "v" end,
                   exit = function(_, err) log[#log + 1] = "exit " .. tostring(err) end }
      local bad = { enter = function() error(E("no"), 0) end, exit = function() log[#log + 1] = "bad exit" end }
      local st = corral.ExitStack()
      assert.equals("v", st:enter_context(cm))
      H.raises(st.enter_context, st, bad)
      assert.equals(1, st:size())
      st:close()
      assert.same({ "enter", "exit nil" }, log)
    end)
  end)

  it("pop_all moves every callback to a new stack; the old one stays open and empty", function()
    vrun(function()
      local ran = 0
      local st = corral.ExitStack({ cleanup_timeout = 1 })
      st:callback(function() ran = ran + 1 end)
      local moved = st:pop_all()
      assert.equals(0, st:size())
      assert.is_false(st:closed())
      st:close()
      assert.equals(0, ran)
      moved:close()
      assert.equals(1, ran)
    end)
  end)

  it("closing twice, pushing on a closed stack and pushing from a callback raise InvalidState", function()
    vrun(function()
      local st = corral.ExitStack()
      local inner
      st:callback(function() inner = H.raises(st.callback, st, print) end)
      st:close()
      assert.equals("InvalidState", corral.kind(inner))
      H.assert_error("InvalidState", { "ExitStack:close", "closed" }, st.close, st)
      H.assert_error("InvalidState", { "ExitStack:callback" }, st.callback, st, print)
      H.assert_error("InvalidState", { "ExitStack:pop_all" }, st.pop_all, st)
    end)
  end)

  it("rejects a callback that is not callable and bad options", function()
    vrun(function()
      local st = corral.ExitStack()
      H.assert_error("InvalidArgument", { "ExitStack:callback", "fn" }, st.callback, st, 42)
      H.assert_error("InvalidArgument", { "ExitStack:push", "exit" }, st.push, st, {})
      H.assert_error("InvalidArgument", { "ExitStack:enter_context" }, st.enter_context, st, {})
      H.assert_error("InvalidArgument", { "corral.ExitStack", "unknown key" }, corral.ExitStack, { grace = 1 })
      H.assert_error("InvalidArgument", { "corral.ExitStack" }, corral.ExitStack, { cleanup_timeout = -1 })
      H.assert_error("InvalidArgument", { "ExitStack:close", "self" }, st.close, {})
    end)
  end)

  it("closes outside a corral run too (no cleanup scope there)", function()
    local ran = {}
    local st = corral.ExitStack()
    st:callback(function() ran[#ran + 1] = 1 end)
    st:callback(function() ran[#ran + 1] = 2 end)
    st:close()
    assert.same({ 2, 1 }, ran)
  end)

  it("a stack closed while enter_context's enter blocks: the manager is exited at once as managed cleanup, InvalidState raised, nothing pushed", function()
    vrun(function()
      local log = {}
      local cm = {
        enter = function() corral.shield(function() corral.sleep(0.005) end); return "v" end,
        exit = function(_, err)
          log[#log + 1] = "exit " .. corral.kind(err)
          corral.sleep(0.003) -- managed cleanup: it may block although its task was cancelled
          log[#log + 1] = "exited at " .. H.ms()
          return true -- a suppressing exit does not make the enter a success
        end,
      }
      local st = corral.ExitStack()
      local e
      local t = corral.spawn(function()
        e = H.raises(st.enter_context, st, cm)
        corral.checkpoint() -- the cancellation was deferred, not lost
      end)
      corral.sleep(0.001)
      st:close()
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.equals("InvalidState", corral.kind(e))
      assert.truthy(tostring(e.msg):find("closed while the manager entered", 1, true))
      assert.same({ "exit InvalidState", "exited at 8" }, log)
      assert.equals(0, st:size())
      assert.equals("corral.ExitStack(closed, 0)", tostring(st))
    end)
  end)

  it("a stack closed while enter_context's enter blocks: an error the exit raises wins (InvalidState its context)", function()
    vrun(function()
      local cm = { enter = function() corral.sleep(0.002); return "v" end,
                   exit = function() error(E("exit"), 0) end }
      local st = corral.ExitStack()
      local e
      local t = corral.spawn(function() e = H.raises(st.enter_context, st, cm) end)
      corral.sleep(0.001)
      st:close()
      t:join()
      assert.equals("ValueError", e.kind)
      assert.equals("exit", e.msg)
      assert.equals("InvalidState", corral.kind(e.context))
      assert.equals(0, st:size())
    end)
  end)

  it("an error replacing Cancelled does not get Cancelled as its context (R67)", function()
    vrun(function()
      local t = corral.spawn("A", function()
        corral.with(corral.ExitStack(), function(st)
          st:callback(function() error(E("x"), 0) end)
          corral.sleep(0.1)
        end)
      end)
      corral.sleep(0.001)
      t:cancel()
      local e = H.raises(t.join, t)
      assert.equals("ValueError:x", tostring(e))
      assert.is_nil(rawget(e, "context"))
      -- the same with stack:exit(Cancelled) and an exit function
      local st = corral.ExitStack()
      st:push(function() error(E("y"), 0) end)
      e = H.raises(st.exit, st, corral.error("Cancelled"))
      assert.equals("ValueError:y", tostring(e))
      assert.is_nil(rawget(e, "context"))
      corral.sleep(0)
    end)
  end)

  it("a stack whose cleanup scope cannot be entered stays open", function()
    vrun(function()
      local core = require "corral.core"
      local st = corral.ExitStack()
      local ran = false
      st:callback(function() ran = true end)
      local orig = core.cleanup_enter
      core.cleanup_enter = function() return core.EINVALIDSTATE end
      local ok, e = pcall(st.close, st)
      core.cleanup_enter = orig
      assert.is_false(ok)
      assert.equals("InvalidState", corral.kind(e))
      assert.is_false(ran)
      assert.is_false(st:closed())
      assert.equals(1, st:size())
      st:close()
      assert.is_true(ran)
    end)
  end)
end)

local d = H.LUA54 and describe or pending
d("ExitStack as a <close> variable (Lua 5.4)", function()
  it("unwinds at scope exit, with the error in flight kept", function()
    local r = lua54([[
      local r = {}
      H.vrun(function()
        local ok, e = pcall(function()
          local st <close> = corral.ExitStack()
          st:push(function(err) r.seen = tostring(err) end)
          st:callback(function() corral.sleep(0.001); r.slept = H.ms() end)
          error(corral.error("ValueError", "body"), 0)
        end)
        r.err = tostring(e)
      end)
      return r
    ]])
    assert.same({ seen = "ValueError:body", slept = 1, err = "ValueError:body" }, r)
  end)

  it("an error of a callback replaces the error in flight, which becomes its context", function()
    local e = lua54([[
      return H.vrun(function()
        local ok, e = pcall(function()
          local st <close> = corral.ExitStack()
          st:callback(function() error(corral.error("ValueError", "cb"), 0) end)
          error(corral.error("ValueError", "body"), 0)
        end)
        return tostring(e)
      end)
    ]])
    assert.equals("ValueError:cb <- ValueError:body", e)
  end)
end)

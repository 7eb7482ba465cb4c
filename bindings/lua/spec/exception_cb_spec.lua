-- Group exception callbacks (hat Group exception_cb, R55-R57) on HANDLER records.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("group exception_cb", function()
  it("gets the member's own error value and its task; join still raises (R55)", function()
    local seen = {}
    vrun(function()
      local E = corral.error("ValueError", "x")
      local g = corral.group("G", { exception_cb = function(e, t)
        seen[#seen + 1] = { e = e, t = t, cur = corral.current(), at = H.ms() }
      end })
      local a = g:spawn("A", function() corral.sleep(0.005); error(E, 0) end)
      assert.equals(E, H.raises(a.join, a))
      assert.equals(1, #seen)
      assert.equals(E, seen[1].e)
      assert.is_true(seen[1].t == a)
      assert.equals("A", seen[1].t:name())
      assert.is_nil(seen[1].cur) -- outside any task
      assert.equals(5, seen[1].at)
      assert.equals(0, corral.unhandled_count())
      assert.is_true(g:is_open())
      g:async_close()
    end)
    assert.same({}, H.last_log)
  end)

  it("passes non-table error values through unchanged", function()
    local got
    vrun(function()
      local g = corral.group(nil, { exception_cb = function(e) got = e end })
      local t = g:spawn(function() error("plain", 0) end)
      pcall(t.join, t)
      g:async_close()
    end)
    assert.equals("plain", got)
  end)

  it("is never called for cancellation", function()
    local calls = 0
    vrun(function()
      local g = corral.group("G", { exception_cb = function() calls = calls + 1 end })
      g:spawn(function() corral.sleep(1) end)
      corral.sleep(0.001)
      g:async_close()
    end)
    assert.equals(0, calls)
  end)

  it("logs as <group>.cb by default, or as the given name", function()
    local out = H.child([[
      local corral = require "corral"
      corral.run({ clock = "virtual", signals = false, trace = true }, function()
        local g = corral.group("G", { exception_cb = function(e) corral.log("cb " .. tostring(e)) end })
        local s = g:create_subgroup("S", { exception_cb = function(e) corral.log("s") end,
          exception_cb_name = "scb" })
        g:spawn("A", function() error(corral.error("ValueError", "x"), 0) end)
        s:spawn("B", function() error(corral.error("ValueError", "y"), 0) end)
        corral.sleep(0.001)
        g:async_close()
      end)
    ]])
    assert.equals(table.concat({
      "0 A fail ValueError:x",
      "0 B fail ValueError:y",
      -- each HANDLER record ends its batch, so the callback runs before the next line (R56)
      "0 G handler A ValueError:x",
      "0 G.cb log cb ValueError:x",
      "0 S handler B ValueError:y",
      "0 scb log s",
      "1 G CLOSING",
      "1 S CLOSING",
      "1 S CLOSED",
      "1 G CLOSED",
      "1 main done",
      "1 rt run",
      "" }, "\n"), out)
  end)

  it("a callback that raises passes its error on to the parent's chain with the original as context (R56)", function()
    local out = H.child([[
      local corral = require "corral"
      local log, outer = {}, {}
      corral.run({ clock = "virtual", signals = false, trace = true, log = log }, function()
        local P = corral.group("P", { exception_cb = function(e, t)
          outer[#outer + 1] = tostring(e) .. " from " .. tostring(t and t:name())
        end })
        local C = P:create_subgroup("C", { exception_cb = function(e, t)
          error(corral.error("RuntimeError", "cb"), 0)
        end })
        local R = corral.group("R", { exception_cb = function() error("raw", 0) end })
        C:spawn("B", function() error(corral.error("ValueError", "x"), 0) end)
        R:spawn("D", function() error(corral.error("ValueError", "d"), 0) end)
        corral.sleep(0.001)
        corral.log("unhandled=" .. corral.unhandled_count())
        P:async_close()
        R:async_close()
      end)
      for _, l in ipairs(outer) do print(l) end
      for _, l in ipairs(log) do print(l) end
    ]])
    assert.equals(table.concat({
      "0 B fail ValueError:x",
      "0 D fail ValueError:d",
      -- C's raise goes on at P before R's record is handed out (R56)
      "0 C handler B ValueError:x",
      "0 P handler B RuntimeError:cb <- ValueError:x",
      "0 R handler D ValueError:d",
      "0 root handler D LuaError:raw <- ValueError:d",
      "1 main log unhandled=1",
      "1 P CLOSING",
      "1 C CLOSING",
      "1 C CLOSED",
      "1 P CLOSED",
      "1 R CLOSING",
      "1 R CLOSED",
      "1 main done",
      "1 rt run",
      "RuntimeError:cb <- ValueError:x from B",
      "unhandled error in task D: LuaError: raw",
      "" }, "\n"), out)
  end)

  it("the context of a raised error table is the original error value", function()
    local ctx, same
    vrun(function()
      local E = corral.error("ValueError", "x")
      local R2 = corral.error("RuntimeError", "cb")
      local P = corral.group("P", { exception_cb = function(e)
        same = rawequal(e, R2)
        ctx = e.context
      end })
      local C = corral.group("C", { parent = P, exception_cb = function() error(R2, 0) end })
      C:spawn(function() error(E, 0) end)
      corral.sleep(0.001)
      assert.equals(E, ctx)
      P:async_close()
    end)
    assert.is_true(same)
  end)

  it("a Cancelled raised by the callback becomes a StrayCancellation (R14)", function()
    local got
    vrun(function()
      local P = corral.group("P", { exception_cb = function(e) got = e end })
      local C = corral.group("C", { parent = P, exception_cb = function()
        error(corral.error("Cancelled"), 0)
      end })
      C:spawn(function() error(corral.error("ValueError", "x"), 0) end)
      corral.sleep(0.001)
      P:async_close()
    end)
    assert.equals("StrayCancellation", got.kind)
    -- the failure it was handling, as for any raised error (R56); never the Cancelled
    assert.equals("ValueError", got.context.kind)
  end)

  it("can be replaced and removed; the old entry is dropped", function()
    local calls = {}
    vrun(function()
      local g = corral.group("G")
      local base = corral._debug.host_tokens()
      g:set_exception_cb(function() calls[#calls + 1] = "one" end)
      assert.equals(base + 1, corral._debug.host_tokens())
      local two = function() calls[#calls + 1] = "two" end
      g:set_exception_cb(two)
      assert.equals(two, g:exception_cb())
      assert.equals(base + 1, corral._debug.host_tokens())
      g:set_exception_cb(nil)
      assert.equals(base, corral._debug.host_tokens())
      g:set_exception_cb(two)
      local t = g:spawn(function() error("a", 0) end)
      pcall(t.join, t)
      corral.checkpoint()
      g:set_exception_cb(nil)
      assert.is_nil(g:exception_cb())
      t = g:spawn(function() error("b", 0) end)
      pcall(t.join, t)
      corral.checkpoint()
      assert.equals(1, corral.unhandled_count()) -- no callback: the root handler
      g:async_close()
    end)
    assert.same({ "two" }, calls)
    assert.same({ "unhandled error in task task3: LuaError: b" }, H.last_log)
  end)

  it("a callback removed after the failure reached it does not lose the error", function()
    vrun(function()
      local g = corral.group("G", { exception_cb = function() error("never", 0) end })
      local t = g:spawn("M", function() error("lost?", 0) end)
      corral.spawn(function()
        -- runs after M failed, before the HANDLER record is handled
        g:set_exception_cb(nil)
      end)
      pcall(t.join, t)
      corral.sleep(0.001)
      assert.equals(1, corral.unhandled_count())
      g:async_close()
    end)
    assert.same({ "unhandled error in task M: LuaError: lost?" }, H.last_log)
  end)

  it("handles reported errors (a done callback's) with task = nil", function()
    local got
    vrun(function()
      local root = corral.root_group()
      root:set_exception_cb(function(e, t) got = { e = e, t = t } end)
      local f = corral.future()
      local E = corral.error("ValueError", "cb")
      f:add_done_callback(function() error(E, 0) end, "bad")
      f:set_result(1)
      corral.checkpoint()
      corral.checkpoint()
      assert.equals(0, corral.unhandled_count())
      assert.equals(E, got.e)
      assert.is_nil(got.t)
    end)
  end)

  it("checks its arguments", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "exception_cb" }, corral.group, "G", { exception_cb = 1 })
      H.assert_error("InvalidArgument", { "exception_cb_name" }, corral.group, "G",
        { exception_cb = print, exception_cb_name = 2 })
      H.assert_error("InvalidArgument", { "parent" }, corral.group, "G", 5)
      H.assert_error("InvalidArgument", { "parent", "exception_db" }, corral.group, "G",
        { exception_db = print })
      local g = corral.group("G")
      H.assert_error("InvalidArgument", { "exception_cb" }, g.set_exception_cb, g, "no")
      H.assert_error("InvalidArgument", { "opts" }, g.create_subgroup, g, "S", 3)
      g:async_close()
    end)
  end)

  it("works on the root group: a raise there reaches the root handler", function()
    local got
    vrun(function()
      local root = corral.root_group()
      root:set_exception_cb(function(e, t) got = t:name(); error(corral.error("RuntimeError", "r"), 0) end)
      local t = corral.spawn("A", function() error(corral.error("ValueError", "v"), 0) end)
      pcall(t.join, t)
      corral.checkpoint()
      assert.equals(1, corral.unhandled_count())
    end)
    assert.equals("A", got)
    assert.same({ "unhandled error in task A: RuntimeError: r" }, H.last_log)
  end)
end)

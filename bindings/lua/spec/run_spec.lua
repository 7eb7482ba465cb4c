-- corral.run: results, errors, options, clocks, deadlock, signals, traces.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("corral.run", function()
  it("returns main's value", function()
    assert.equals(42, vrun(function() return 42 end))
    assert.equals("x", vrun(function() return "x" end))
    assert.is_nil(vrun(function() end))
    local t = {}
    assert.equals(t, vrun(function() return t end))
  end)

  it("passes its extra arguments to main", function()
    assert.equals(7, vrun(function(a, b) return a + b end, 3, 4))
    assert.equals(3, corral.run(function(...) return select("#", ...) end, nil, 2, nil))
  end)

  it("raises main's error as the very same value", function()
    local E = corral.error("ValueError", "bad")
    assert.equals(E, H.raises(vrun, function() error(E) end))
    local plain = { "any table" }
    assert.equals(plain, H.raises(vrun, function() error(plain) end))
    local s = H.raises(vrun, function() error("just a string", 0) end)
    assert.equals("just a string", s)
  end)

  it("raises the very value of the first unhandled error in strict mode (R57)", function()
    local opts = { clock = "virtual", signals = false, strict = true, log = false }
    local E = corral.error("ValueError", "first")
    local e = H.raises(corral.run, opts, function()
      corral.spawn("A", function() error(E) end)
      corral.spawn("B", function() corral.sleep(0.001); error(corral.error("ValueError", "second")) end)
      corral.sleep(1)
    end)
    assert.equals(E, e)
    local plain = { "any table" }
    assert.equals(plain, H.raises(corral.run, opts, function()
      corral.spawn(function() error(plain) end)
      corral.sleep(1)
    end))
    assert.equals("just a string", H.raises(corral.run, opts, function()
      corral.spawn(function() error("just a string", 0) end)
      corral.sleep(1)
    end))
    -- main's own error, when it fails first, is still raised as is
    local M = corral.error("KeyError", "main")
    assert.equals(M, H.raises(corral.run, opts, function() error(M) end))
  end)

  it("reports errors of unjoined tasks through the runtime's log", function()
    vrun(function()
      corral.spawn("A", function() error(corral.error("ValueError", "boom")) end)
      corral.sleep(0.001)
      assert.equals(1, corral.unhandled_count())
    end)
    assert.same({ "unhandled error in task A: ValueError: boom" }, H.last_log)
  end)

  it("waits for the root group: other tasks are cancelled when main ends", function()
    local cleaned = false
    vrun(function()
      corral.spawn(function()
        local ok, e = pcall(corral.sleep, 100)
        cleaned = corral.is_cancelled(e)
        error(e, 0)
      end)
      corral.sleep(0.001)
    end)
    assert.is_true(cleaned)
  end)

  it("does not nest", function()
    H.assert_error("InvalidState", { "corral.run", "nest" }, vrun, function()
      return corral.run(function() end)
    end)
  end)

  it("ends with Deadlock when nothing can make progress (virtual clock)", function()
    local e = H.assert_error("Deadlock", {}, vrun, function() corral.future():await() end)
    assert.equals(corral.core.EDEADLOCK, e.code)
  end)

  it("treats math.huge as forever: no timer, so a lone sleeper is a deadlock", function()
    H.assert_error("Deadlock", {}, vrun, function() corral.sleep(math.huge) end)
    H.assert_error("Deadlock", {}, vrun, function() corral.future():await(math.huge) end)
  end)

  it("saturates a finite time past the int64 range to a finite deadline (R3): it wakes", function()
    local t = vrun(function()
      corral.sleep(1e10) -- 1e19 ns
      return corral.now()
    end)
    assert.is_true(t > 9.2e9)
    local caught = vrun(function()
      local s = corral.move_on_after(1e10, function() corral.sleep(2e10) end)
      return s.cancelled_caught
    end)
    assert.is_true(caught) -- the scope's (saturated) deadline came: moved on
    -- the same clock value as every binding (INT64_MAX ns), integers too (no wrap-around),
    -- and a huge timeout= of a blocking call is a deadline as well
    for _, huge in ipairs({ 1e10, 10000000000, 18446744074 }) do
      assert.equals("9223372036.854776", string.format("%.6f", vrun(function()
        corral.sleep(huge)
        return corral.now()
      end)))
    end
    local kind = vrun(function()
      local ok, e = pcall(corral.queue().get, corral.queue(), { timeout = 1e10 })
      return corral.kind(e)
    end)
    assert.equals("Timeout", kind)
  end)

  it("rounds half a nanosecond up, as every binding does", function()
    local t = vrun(function()
      corral.sleep(0.0010000005)
      return corral.now()
    end)
    assert.is_true(math.abs(t * 1e9 - 1000001) < 0.01)
  end)

  it("raises Cancelled with cause EXPLICIT when main is cancelled by a task", function()
    local e = H.raises(vrun, function()
      local main = corral.current()
      corral.spawn(function() main:cancel() end)
      corral.sleep(1)
    end)
    assert.is_true(corral.is_cancelled(e))
    assert.equals("EXPLICIT", e.cause)
  end)

  it("takes the cause from the core, also for a cancel behind the Lua layer's back", function()
    local core = require "corral.core"
    local e = H.raises(vrun, function()
      core.task_cancel(corral.current()) -- not Task:cancel: the Lua layer cannot see it
      corral.sleep(1)
    end)
    assert.is_true(corral.is_cancelled(e))
    assert.equals("EXPLICIT", e.cause)
    e = H.raises(vrun, function()
      local main = corral.current()
      corral.spawn(function() core.rt_inject_signal(core.task_rt(main), 2) end)
      corral.sleep(1)
    end)
    assert.equals("SIGNAL", e.cause)
  end)

  it("raises Cancelled with cause SIGNAL after a signal", function()
    local e = H.raises(vrun, function()
      corral.inject_signal("SIGINT")
      corral.inject_signal("SIGTERM") -- ignored
      corral.sleep(1)
    end)
    assert.is_true(corral.is_cancelled(e))
    assert.equals("SIGNAL", e.cause)
  end)

  it("escalates the second signal only with escalate_signals: managed cleanup is cut (R51)", function()
    for _, escalate in ipairs({ false, true }) do
      local log = {}
      local e = H.raises(corral.run, { clock = "virtual", signals = false, escalate_signals = escalate },
        function()
          corral.spawn(function()
            corral.sleep(0.010)
            corral.inject_signal("SIGINT") -- cancels main
            corral.sleep(0.002)
            corral.inject_signal("SIGINT") -- escalates, or is ignored
          end)
          corral.with(corral.ExitStack(), function(st)
            st:callback(function()
              local ok, err = pcall(corral.sleep, 1)
              log[#log + 1] = (ok and "closed " or "cut ") .. string.format("%.3f", corral.now())
              if not ok then error(err, 0) end
            end)
            corral.sleep(100)
          end)
        end)
      assert.equals("SIGNAL", e.cause)
      assert.same({ escalate and "cut 0.012" or "closed 1.010" }, log)
    end
  end)

  it("runs on the virtual clock: time jumps, starts at 0", function()
    vrun(function()
      assert.equals(0, corral.now())
      corral.sleep(10)
      assert.equals(10, corral.now())
      assert.equals(10 * 1000000000, corral.now_ns())
      corral.sleep_until(12.5)
      assert.equals(12500, H.ms())
    end)
  end)

  it("runs on the real clock by default", function()
    local t = corral.run(function()
      local t0 = corral.now()
      corral.sleep(0.02)
      return corral.now() - t0
    end)
    assert.is_true(t >= 0.019 and t < 1, "slept " .. t)
  end)

  it("validates its options", function()
    H.assert_error("InvalidArgument", { "corral.run", "opts.clock" }, corral.run, { clock = "fast" }, print)
    H.assert_error("InvalidArgument", { "corral.run", "fn" }, corral.run, {}, 42)
    H.assert_error("InvalidArgument", { "corral.run", "fn" }, corral.run, nil)
    H.assert_error("InvalidArgument", { "opts.trace" }, corral.run, { trace = "yes" }, print)
    H.assert_error("InvalidArgument", { "opts.name" }, corral.run, { name = 3 }, print)
    H.assert_error("InvalidArgument", { "opts.log" }, corral.run, { log = "x" }, print)
  end)

  it("names main after opts.name", function()
    assert.equals("main", vrun(function() return corral.current():name() end))
    assert.equals("boss", corral.run({ clock = "virtual", name = "boss" }, function()
      return corral.current():name()
    end))
  end)

  it("writes the trace to standard output with trace = true", function()
    local out = H.child([[
      local corral = require "corral"
      corral.run({ clock = "virtual", trace = true }, function()
        local t = corral.spawn("A", function() corral.sleep(0.005); return {1, "two", true} end)
        corral.log("spawned")
        t:join()
        return 42
      end)
    ]])
    assert.equals("0 main log spawned\n5 A done [1, two, true]\n5 main done 42\n5 rt run 42\n", out)
  end)

  it("prints floats in the canonical form of every language (shortest %g, nan, -0)", function()
    local out = H.child([[
      local corral = require "corral"
      corral.run({ clock = "virtual", trace = true }, function()
        local xs = { 1.0, 0.5, -0.0, 1e20, 1e-7, 0 / 0, 1 / 0 }
        for i, x in ipairs(xs) do corral.spawn("d" .. i, function() return x end):join() end
        corral.spawn("list", function() return { 0.5, -0.0, 0 / 0 } end):join()
      end)
    ]])
    assert.equals("0 d1 done 1\n0 d2 done 0.5\n0 d3 done -0\n0 d4 done 1e+20\n0 d5 done 1e-07\n" ..
      "0 d6 done nan\n0 d7 done inf\n0 list done [0.5, -0, nan]\n0 main done\n0 rt run\n", out)
  end)

  it("writes a NUL in any text as \\0, as every binding does (names, logs, values, errors)", function()
    local out = H.child([[
      local corral = require "corral"
      corral.run({ clock = "virtual", trace = true, log = false }, function()
        corral.spawn("t\0u", function() return "v\0w" end):join()
        corral.log("a\0b")
        local g = corral.group("g\0h")
        local e = g:spawn("e", function() error(corral.error("ValueError", "m\0n"), 0) end)
        pcall(e.join, e)
        g:async_close()
      end)
    ]])
    assert.equals("0 t\\0u done v\\0w\n0 main log a\\0b\n0 e fail ValueError:m\\0n\n" ..
      "0 root handler e ValueError:m\\0n\n0 g\\0h CLOSING\n0 g\\0h CLOSED\n0 main done\n0 rt run\n", out)
  end)

  it("can run again after a run ended, also after an error", function()
    pcall(vrun, function() error("x") end)
    assert.equals(1, vrun(function() return 1 end))
  end)
end)

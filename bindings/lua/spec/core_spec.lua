-- The SWIG module corral.core on its own.
local core = require "corral.core"
local H = require "spec.helper"

describe("corral.core (SWIG module)", function()
  it("loads as require 'corral.core' and reports the library version", function()
    assert.equals(100, core.version())
    assert.equals("0.1.0", core.version_string())
  end)

  it("returns C integers as Lua integers", function()
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    if math.type then
      assert.equals("integer", math.type(core.version()))
      assert.equals("integer", math.type(core.ECANCELLED))
      assert.equals("integer", math.type(core.rt_now(rt)))
      assert.equals("integer", math.type(core.ms(5)))
    end
    assert.equals(5000000, core.ms(5))
    assert.equals(-1000, core.ECANCELLED)
    core.rt_close(rt)
  end)

  it("accepts integral floats for integer parameters and rejects others", function()
    assert.equals(2000000, core.ms(2.0))
    local e = H.raises(core.ms, 2.5)
    assert.matches("corral_ms", e)
    e = H.raises(core.ms, "2")
    assert.matches("expected 'int64_t'", e)
    e = H.raises(core.rt_new, -1)
    assert.matches("corral_rt_new", e)
  end)

  it("turns T **out parameters into extra results", function()
    local rc, rt = core.rt_new(0)
    assert.equals(0, rc)
    assert.is_userdata(rt)
    local rc2, q = core.queue_new(rt, 0)
    assert.equals(0, rc2)
    assert.is_userdata(q)
    core.rt_close(rt)
    local rc3, q2 = core.queue_new(rt, 0)
    assert.equals(core.ECLOSED, rc3)
    assert.is_nil(q2)
  end)

  it("names error codes and formats error objects", function()
    assert.equals("Cancelled", core.error_name(core.ECANCELLED))
    assert.equals("QueueClosed", core.error_name(core.EQUEUECLOSED))
    local rc, e = core.error_new(core.EUSER, "ValueError", "boom")
    assert.equals(0, rc)
    assert.equals("ValueError", core.error_kind(e))
    assert.equals("boom", core.error_message(e))
    local n, text = core.error_format(e)
    assert.equals("ValueError:boom", text)
    assert.equals(#text, n)
    local _, ctx = core.error_new(core.ETIMEOUT, nil, nil)
    core.error_set_context(e, ctx)
    local _, text2 = core.error_format(e)
    assert.equals("ValueError:boom <- Timeout", text2)
    assert.equals("Timeout", core.error_kind(core.error_context(e)))
  end)

  it("converts values through queues: nil, integers, floats, strings", function()
    local _, rt = core.rt_new(0)
    local _, q = core.queue_new(rt, 0)
    for _, v in ipairs({ 42, -7, 2.5, "bytes\0with nul", "" }) do
      assert.equals(0, core.queue_put_nowait(q, v))
      local rc, got = core.queue_get_nowait(q)
      assert.equals(0, rc)
      assert.equals(v, got)
      if math.type then assert.equals(math.type(v), math.type(got)) end
    end
    assert.equals(0, core.queue_put_nowait(q, nil))
    local rc, got = core.queue_get_nowait(q)
    assert.equals(0, rc)
    assert.is_nil(got)
    assert.equals(core.EQUEUEEMPTY, (core.queue_get_nowait(q)))
    core.rt_close(rt)
  end)

  it("refuses Lua values that need a host when no host driver runs", function()
    local _, rt = core.rt_new(0)
    local _, q = core.queue_new(rt, 0)
    local e = H.raises(core.queue_put_nowait, q, {})
    assert.matches("needs a running corral host", e)
    assert.equals(0, core.queue_size(q))
    core.rt_close(rt)
  end)

  it("gives borrowed handles their own reference", function()
    local _, rt = core.rt_new(0)
    local g = core.rt_root_group(rt)
    assert.equals("root", core.group_name(g))
    rt = nil
    collectgarbage()
    collectgarbage()
    assert.equals("root", core.group_name(g)) -- still valid memory
  end)

  it("answers a closed runtime with ECLOSED, never a crash", function()
    local _, rt = core.rt_new(0)
    local _, f = core.future_new(rt)
    local _, g = core.group_new(rt, nil, "G")
    assert.equals(0, core.rt_close(rt))
    assert.equals(0, core.rt_close(rt)) -- idempotent
    assert.equals(core.ECLOSED, core.future_set_result(f, 1))
    assert.equals(core.ECLOSED, core.group_close(g, 1))
    assert.is_true(core.rt_now(rt) < 0)
  end)

  it("rejects handles of the wrong type and nil handles without crashing", function()
    local _, rt = core.rt_new(0)
    local _, q = core.queue_new(rt, 0)
    local e = H.raises(core.future_cancel, q)
    assert.matches("future_cancel", e)
    assert.equals(core.EINVALIDARG, core.future_cancel(nil))
    assert.equals(core.EINVALIDARG, core.queue_close(nil))
    core.rt_close(rt)
  end)

  it("checks the arguments of the host driver functions", function()
    assert.has_error(function() core.host_new(nil) end)
    assert.has_error(function() core.host_poll(nil) end)
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    local h = core.host_new(rt)
    assert.has_error(function() core.host_spawn(h, 42, nil, 1) end)
    assert.has_error(function() core.host_spawn(h, nil, {}, 1) end)
    assert.has_error(function() core.host_poll(h, 42, {}) end)
    core.host_close(h)
    core.host_close(h) -- idempotent
    assert.has_error(function() core.host_spawn(h, nil, nil, 1) end)
    core.rt_close(rt)
  end)

  it("drives a host task by hand: START, await, RESUME, finish", function()
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    local h = core.host_new(rt)
    local poll, await, finish, spawn = core.host_bind(h)
    local main = spawn(nil, "main", 7)
    assert.equals("main", core.task_name(main))
    local recs, seen = {}, {}
    while true do
      local n = poll(main, recs)
      if n == -1 then break end
      for i = 1, n do
        local tag, v = recs[2 * i - 1], recs[2 * i]
        assert.equals(7, tag)
        seen[#seen + 1] = v == nil and "nil" or v
        if #seen == 1 then
          assert.equals(core.PENDING, await(i, core.OP_SLEEP_FOR, nil, core.ms(5)))
        else
          assert.equals(0, finish(i, true, 99))
        end
      end
    end
    assert.equals(0, core.rt_run_status(rt))
    local rc, v = core.task_result(main)
    assert.equals(0, rc)
    assert.equals(99, v)
    assert.equals(5000000, core.rt_now(rt))
    core.host_close(h)
    core.rt_close(rt)
  end)

  it("wraps rt_run_cause and rt_report_error; host-only calls are not exported", function()
    assert.is_nil(core.task_abandon)
    assert.is_nil(core.host_poll_submit)
    assert.is_nil(core.host_cmd)
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    local h = core.host_new(rt)
    core.host_set_log(h, "collect")
    assert.equals(core.EINVALIDSTATE, core.rt_run_cause(rt)) -- no run has ended yet
    local poll, await, finish, spawn = core.host_bind(h)
    local main = spawn(nil, "main", 3)
    local recs, steps = {}, 0
    while true do
      local n = poll(main, recs)
      if n == -1 then break end
      for i = 1, n do
        steps = steps + 1
        if steps == 1 then
          local e = core.host_error(h, { kind = "ValueError", msg = "cb" })
          assert.equals(0, core.rt_report_error(rt, nil, "cb1", e))
          assert.equals(0, core.rt_report_error(rt, core.rt_root_group(rt), "cb2", e))
          assert.equals(core.EINVALIDARG, core.rt_report_error(rt, nil, nil, e))
          local c = core.host_error(h, { kind = "Cancelled", msg = "" })
          assert.equals(core.EINVALIDARG, core.rt_report_error(rt, nil, "x", c))
          assert.equals(0, core.rt_unhandled_count(rt)) -- queued, not run inline (R8)
          assert.equals(core.PENDING, await(i, core.OP_CHECKPOINT, nil, nil))
        else
          assert.equals(0, finish(i, true, 1))
        end
      end
    end
    assert.equals(2, core.rt_unhandled_count(rt))
    assert.equals(core.CAUSE_NONE, core.rt_run_cause(rt))
    assert.equals("unhandled error in task cb1: ValueError: cb\n" ..
      "unhandled error in task cb2: ValueError: cb\n", core.host_take_log(h))
    core.host_close(h)
    core.rt_close(rt)
  end)
end)

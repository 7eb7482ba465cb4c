-- The group functions of the SWIG module corral.core (issue 6): COLLECT groups and
-- OP_GROUP_NEXT_DONE, group_member, task_current_group, group_scope, cleanup timeouts and
-- cleanup scopes, fatal errors; the C fiber helpers are not exported.
local core = require "corral.core"

-- Drive host tasks by hand: `steps[token](i, value, step)` handles each record of a task.
local function drive(rt, h, main_token, steps)
  local poll, await, finish, spawn = core.host_bind(h)
  local count = {}
  local main = spawn(nil, "main", main_token)
  local recs = {}
  local api = { await = await, finish = finish, spawn = spawn, main = main }
  while true do
    local n = poll(main, recs)
    if n == -1 then break end
    for i = 1, n do
      local tag, v = recs[2 * i - 1], recs[2 * i]
      local tok = tag < 0 and -tag or tag
      count[tok] = (count[tok] or 0) + 1
      steps[tok](api, i, v, count[tok], tag < 0)
    end
  end
  return main
end

describe("corral.core groups (SWIG)", function()
  it("exports the new constants as integers", function()
    assert.equals(2, core.GROUP_COLLECT)
    assert.equals(9, core.OP_GROUP_NEXT_DONE)
    assert.equals(2, core.SCOPE_CLEANUP)
    assert.equals(-1012, core.ECLEANUPTIMEOUT)
    if math.type then assert.equals("integer", math.type(core.GROUP_COLLECT)) end
  end)

  it("does not export the C fiber helpers nor the fiber/C-value group calls", function()
    for _, name in ipairs({ "race", "gather_safe", "call_on_cancel", "call_on_done",
      "cancel_and_join", "first", "group_next_done", "group_wrap", "group_exit" }) do
      assert.is_nil(core[name], name)
    end
  end)

  it("COLLECT group: NEXT_DONE resumes with spawn indexes in completion order", function()
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    local h = core.host_new(rt)
    local g, a, b
    local got = {}
    local steps = {}
    steps[1] = function(api, i, v, step)
      if step == 1 then
        local rc
        rc, g = core.group_enter(api.main, nil, core.GROUP_COLLECT, core.GROUP_JOIN)
        assert.equals(0, rc)
        a = api.spawn(g, "a", 2)
        b = api.spawn(g, "b", 3)
        assert.equals(a, core.group_member(g, 0)) -- a task handle, == the spawned one
        assert.equals(b, core.group_member(g, 1))
        assert.is_nil(core.group_member(g, 2))
        assert.is_nil(core.group_member(g, -1))
        -- helper (COLLECT) groups are skipped: main is still a root member
        assert.is_nil(core.task_current_group(api.main))
        assert.equals(core.PENDING, api.await(i, core.OP_GROUP_NEXT_DONE, g, -1))
      elseif step == 2 or step == 3 then
        got[#got + 1] = v
        if math.type then assert.equals("integer", math.type(v)) end
        if step == 2 then
          assert.equals(core.PENDING, api.await(i, core.OP_GROUP_NEXT_DONE, g, -1))
        else
          assert.equals(core.PENDING, api.await(i, core.OP_GROUP_EXIT, g, -1, nil))
        end
      else
        assert.is_nil(core.task_current_group(api.main)) -- left: a root member again
        assert.equals(0, api.finish(i, true, "ok"))
      end
    end
    steps[2] = function(api, i, v, step) -- a: sleeps 2 ms, then ends
      if step == 1 then
        assert.equals(core.PENDING, api.await(i, core.OP_SLEEP_FOR, nil, core.ms(2)))
      else
        assert.equals(0, api.finish(i, true, "A"))
      end
    end
    steps[3] = function(api, i) -- b: ends at once
      assert.equals(0, api.finish(i, true, "B"))
    end
    local main = drive(rt, h, 1, steps)
    assert.same({ 1, 0 }, got) -- b (index 1) ended first
    assert.equals(0, core.rt_run_status(rt))
    assert.equals("ok", select(2, core.task_result(main)))
    core.host_close(h)
    core.rt_close(rt)
  end)

  it("task_current_group: the innermost scoped group the task entered, else nil for root members", function()
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    local h = core.host_new(rt)
    local sg
    local steps = {}
    steps[1] = function(api, i, v, step)
      if step == 1 then
        assert.is_nil(core.task_current_group(api.main))
        local rc
        rc, sg = core.group_enter(api.main, "S", core.GROUP_SUPERVISE, core.GROUP_JOIN)
        assert.equals(0, rc)
        assert.equals(core.handle_key(sg), core.handle_key(core.task_current_group(api.main)))
        assert.equals("S", core.group_name(core.task_current_group(api.main)))
        assert.equals(core.PENDING, api.await(i, core.OP_GROUP_EXIT, sg, -1, nil))
      else
        assert.is_nil(core.task_current_group(api.main))
        assert.equals(1, core.group_is_closed(sg))
        assert.equals(0, api.finish(i, true, nil))
      end
    end
    drive(rt, h, 1, steps)
    core.host_close(h)
    core.rt_close(rt)
  end)

  it("group_scope: the group's cancel scope; cancelling it cancels members, not closing", function()
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    local _, g = core.group_new(rt, nil, nil)
    local s = core.group_scope(g)
    assert.is_userdata(s)
    assert.equals(0, core.scope_cancel_called(s))
    assert.equals(1, core.scope_cancel(s))
    assert.equals(1, core.scope_cancel_called(s))
    assert.equals(1, core.group_is_open(g))
    assert.is_nil(core.group_scope(nil))
    core.rt_close(rt)
  end)

  it("cleanup timeouts: -1 inherits; the effective value comes from the nearest group", function()
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    local _, g = core.group_new(rt, nil, "G")
    local _, s = core.group_new(rt, g, "S")
    assert.equals(-1, core.group_cleanup_timeout(s))
    assert.equals(0, core.group_set_cleanup_timeout(g, core.ms(5)))
    assert.equals(core.ms(5), core.group_cleanup_timeout(s))
    assert.equals(0, core.group_set_cleanup_timeout(s, core.ms(1)))
    assert.equals(core.ms(1), core.group_cleanup_timeout(s))
    assert.equals(core.EINVALIDARG, core.group_set_cleanup_timeout(s, -2))
    core.rt_close(rt)
  end)

  it("cleanup_enter: a shielded CLEANUP scope whose expiry reports CleanupTimeout", function()
    local _, rt = core.rt_new(core.RT_VIRTUAL_CLOCK)
    local h = core.host_new(rt)
    core.host_set_log(h, "collect")
    core.group_set_cleanup_timeout(core.rt_root_group(rt), core.ms(3))
    local scope
    local steps = {}
    steps[1] = function(api, i, v, step, failed)
      if step == 1 then
        local rc
        rc, scope = core.cleanup_enter(api.main)
        assert.equals(0, rc)
        assert.equals(core.ms(3), core.scope_deadline(scope))
        assert.equals(core.PENDING, api.await(i, core.OP_SLEEP_FOR, nil, core.ms(10)))
      else
        assert.is_true(failed) -- the grace ran out: the sleep was cancelled
        assert.equals(0, core.scope_exit(scope, core.ECANCELLED)) -- absorbed by the scope
        assert.equals(1, core.scope_cancelled_caught(scope))
        assert.equals(0, api.finish(i, true, nil))
      end
    end
    drive(rt, h, 1, steps)
    assert.equals(1, core.rt_unhandled_count(rt))
    assert.matches("CleanupTimeout", core.host_take_log(h))
    core.host_close(h)
    core.rt_close(rt)
  end)

  it("fatal errors: error_set_fatal / error_is_fatal; a Lua table with fatal = true is fatal", function()
    local _, e = core.error_new(core.EUSER, "SystemExit", "bye")
    assert.equals(0, core.error_is_fatal(e))
    assert.equals(0, core.error_set_fatal(e, 1))
    assert.equals(1, core.error_is_fatal(e))
    local _, c = core.error_new(core.ECANCELLED, nil, nil)
    assert.equals(core.EINVALIDARG, core.error_set_fatal(c, 1))
    local _, rt = core.rt_new(0)
    local h = core.host_new(rt)
    assert.equals(1, core.error_is_fatal(core.host_error(h, { kind = "SystemExit", fatal = true })))
    assert.equals(0, core.error_is_fatal(core.host_error(h, { kind = "ValueError" })))
    assert.equals(0, core.error_is_fatal(core.host_error(h, "fatal")))
    -- an error without a Lua value shows fatal = true on the Lua side
    assert.is_true(core.host_error_value(h, e).fatal)
    core.host_close(h)
    core.rt_close(rt)
  end)

  it("handle_key names the C object behind any handle, nil for anything else", function()
    local _, rt = core.rt_new(0)
    local g1, g2 = core.rt_root_group(rt), core.rt_root_group(rt)
    assert.is_number(core.handle_key(g1))
    assert.equals(core.handle_key(g1), core.handle_key(g2))
    local _, q = core.queue_new(rt, 0)
    assert.is_not.equals(core.handle_key(g1), core.handle_key(q))
    assert.is_nil(core.handle_key({}))
    assert.is_nil(core.handle_key(nil))
    local h = core.host_new(rt)
    assert.is_nil(core.handle_key(h))
    core.host_close(h) -- no longer the current host
    core.rt_close(rt)
  end)
end)

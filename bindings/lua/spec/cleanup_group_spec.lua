-- corral.actxgroup (aiotools actxgroup, R69).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

local function E(msg) return corral.error("ValueError", msg) end

-- A CM whose enter sleeps `enter_s` then returns `value` or raises `enter_err`, and whose exit
-- sleeps `exit_s` then raises `exit_err` if given; events go to `log`.
local function cm(log, name, o)
  return {
    enter = function()
      if o.enter_s then corral.sleep(o.enter_s) end
      if o.enter_err then error(o.enter_err, 0) end
      log[#log + 1] = name .. " entered"
      return o.value
    end,
    exit = function(_, err)
      if o.exit_s then corral.sleep(o.exit_s) end
      log[#log + 1] = name .. " exited " .. tostring(err)
      if o.exit_err then error(o.exit_err, 0) end
      return true -- never suppresses the body's error in a group
    end,
  }
end

local function texts(list)
  local out = {}
  for i = 1, list.n or #list do out[i] = list[i] == nil and "none" or tostring(list[i]) end
  return out
end

describe("actxgroup", function()
  it("enters concurrently, values in input order, then exits every CM", function()
    vrun(function()
      local log = {}
      local g = corral.actxgroup({ cm(log, "a", { enter_s = 0.002, value = 1 }), cm(log, "b", { enter_s = 0.001, value = 2 }) })
      local got = corral.with(g, function(values)
        assert.equals(2, H.ms()) -- concurrently: the longest enter
        return values
      end)
      assert.same({ 1, 2, n = 2 }, got)
      assert.same({ "b entered", "a entered", "a exited nil", "b exited nil" }, log)
      assert.same({ "none", "none" }, texts(g:exit_states()))
    end)
  end)

  it("strict: an enter failure cancels pending enters, exits the entered ones only, skips the body (S43)", function()
    vrun(function()
      local log = {}
      local body = false
      local g = corral.actxgroup({
        cm(log, "slow", { enter_s = 1 }), cm(log, "bad", { enter_s = 0.001, enter_err = E("bad") }),
        cm(log, "fast", { value = 3 }) })
      local e = H.raises(corral.with, g, function() body = true end)
      assert.equals("ErrorGroup", corral.kind(e))
      assert.equals(1, #e.errors)
      assert.equals("ValueError:bad", tostring(e.errors[1]))
      assert.is_false(body)
      assert.equals(1, H.ms())
      assert.same({ "fast entered", "fast exited " .. tostring(e) }, log)
      assert.same({ "none", "none", "none" }, texts(g:exit_states()))
    end)
  end)

  it("return_exceptions: the body runs with the errors as values; only entered CMs exit", function()
    vrun(function()
      local log = {}
      local g = corral.actxgroup({ cm(log, "ok", { value = "v" }), cm(log, "bad", { enter_err = E("bad") }) },
        { return_exceptions = true })
      local values = corral.with(g, function(v) return v end)
      assert.equals("v", values[1])
      assert.equals("ValueError:bad", tostring(values[2]))
      assert.same({ "ok entered", "ok exited nil" }, log)
    end)
  end)

  it("every exit runs; failed exits are raised as an ErrorGroup whose context is the body's error (S68)", function()
    vrun(function()
      local log = {}
      local g = corral.actxgroup({
        cm(log, "a", { exit_s = 0.002 }), cm(log, "b", { exit_s = 0.001, exit_err = E("x2") }), cm(log, "c", {}) })
      local e = H.raises(corral.with, g, function() error(E("body"), 0) end)
      assert.equals("ErrorGroup", corral.kind(e))
      assert.equals("ValueError:x2", tostring(e.errors[1]))
      assert.equals("ValueError:body", tostring(e.context))
      assert.equals(2, H.ms()) -- a's exit was not cancelled by b's failure
      assert.same({ "none", "ValueError:x2", "none" }, texts(g:exit_states()))
    end)
  end)

  it("exits run shielded when the caller is cancelled in the body", function()
    vrun(function()
      local log = {}
      local g = corral.actxgroup({ cm(log, "a", { exit_s = 0.003 }) })
      local t = corral.spawn(function() corral.with(g, function() corral.sleep(1) end) end)
      corral.sleep(0.001)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.equals(4, H.ms())
      assert.equals("a exited Cancelled", log[2])
    end)
  end)

  it("an exit cut short by the cleanup grace is recorded as TaskCancelled, not raised (R66)", function()
    vrun(function()
      local log = {}
      local grp = corral.Group("G")
      grp:set_cleanup_timeout(0.003)
      local g = corral.actxgroup({ cm(log, "quick", { exit_s = 0.001 }), cm(log, "slow", { exit_s = 0.050 }) })
      local t = grp:spawn("T", function() corral.with(g, function() end) end)
      t:join() -- no error: the cut exit is only recorded
      assert.equals(3, H.ms())
      assert.same({ "none", "TaskCancelled" }, texts(g:exit_states()))
      assert.same({ "quick exited nil" }, { log[3] })
      corral.sleep(0)
      grp:close()
    end)
    assert.same({ "unhandled error in task T: CleanupTimeout" }, H.last_log)
  end)

  it("a caller cancelled while entering cancels the pending enters and exits the entered CMs", function()
    vrun(function()
      local log = {}
      local g = corral.actxgroup({ cm(log, "fast", {}), cm(log, "slow", { enter_s = 1 }) })
      local t = corral.spawn(function() corral.with(g, function() log[#log + 1] = "body" end) end)
      corral.sleep(0.001)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.same({ "fast entered", "fast exited Cancelled" }, log)
    end)
  end)

  it("exits raising values that are not error tables are failures: raised and recorded (42, false, nil)", function()
    vrun(function()
      for _, v in ipairs({ 42, false, "text" }) do
        local g = corral.actxgroup({ { enter = function() return 1 end, exit = function() error(v, 0) end } })
        local e = H.raises(corral.with, g, function() end)
        assert.equals("ErrorGroup", corral.kind(e))
        assert.equals(1, #e.errors)
        assert.equals(v, e.errors[1])
        assert.equals(v, g:exit_states()[1])
        assert.equals("corral.actxgroup(done, 1)", tostring(g))
      end
      local g = corral.actxgroup({ { enter = function() return 1 end, exit = function() error(nil) end } })
      local e = H.raises(corral.with, g, function() end)
      assert.equals("ErrorGroup", corral.kind(e))
      assert.equals(1, #e.errors)
      assert.equals("LuaError", corral.kind(g:exit_states()[1]))
      assert.equals("corral.actxgroup(done, 1)", tostring(g))
    end)
  end)

  it("an enter raising a value that is not an error table is an enter failure", function()
    vrun(function()
      for _, v in ipairs({ 42, false }) do
        local log = {}
        local g = corral.actxgroup({ cm(log, "a", {}), { enter = function() error(v, 0) end, exit = function() end } })
        local e = H.raises(corral.with, g, function() log[#log + 1] = "body" end)
        assert.equals("ErrorGroup", corral.kind(e))
        assert.equals(1, #e.errors)
        assert.equals(v, e.errors[1])
        assert.same({ "a entered", "a exited " .. tostring(e) }, log)
      end
      local g = corral.actxgroup({ { enter = function() error(nil) end, exit = function() end } })
      local e = H.raises(corral.with, g, function() end)
      assert.equals("ErrorGroup", corral.kind(e))
      assert.equals(1, #e.errors)
    end)
  end)

  it("an exit that fails with an error of kind TaskCancelled is a failure: raised (decided by the task state)", function()
    vrun(function()
      local g = corral.actxgroup({ { enter = function() end, exit = function() error(corral.error("TaskCancelled", "mine"), 0) end } })
      local e = H.raises(corral.with, g, function() end)
      assert.equals("ErrorGroup", corral.kind(e))
      assert.equals("TaskCancelled", corral.kind(e.errors[1]))
      assert.equals("mine", e.errors[1].msg)
      assert.equals(e.errors[1], g:exit_states()[1])
    end)
  end)

  it("exit errors raised after a cancellation do not get Cancelled as their context (R67)", function()
    vrun(function()
      local log = {}
      -- cancelled in the body
      local g = corral.actxgroup({ cm(log, "a", { exit_err = E("x") }) })
      local t = corral.spawn(function() corral.with(g, function() corral.sleep(1) end) end)
      corral.sleep(0.001)
      t:cancel()
      local e = H.raises(t.join, t)
      assert.equals("ErrorGroup", corral.kind(e))
      assert.equals("ValueError:x", tostring(e.errors[1]))
      assert.is_nil(rawget(e, "context"))
      -- cancelled while entering
      g = corral.actxgroup({ cm(log, "fast", { exit_err = E("y") }), cm(log, "slow", { enter_s = 1 }) })
      t = corral.spawn(function() corral.with(g, function() end) end)
      corral.sleep(0.001)
      t:cancel()
      e = H.raises(t.join, t)
      assert.equals("ErrorGroup", corral.kind(e))
      assert.equals("ValueError:y", tostring(e.errors[1]))
      assert.is_nil(rawget(e, "context"))
      corral.sleep(0)
    end)
  end)

  it("an enter that ends cancelled on its own is no failure: the body runs and sees TaskCancelled (R69)", function()
    vrun(function()
      local log = {}
      local quitter = {
        enter = function() corral.current():cancel(); corral.checkpoint() end,
        exit = function() log[#log + 1] = "quitter exited" end,
      }
      local g = corral.actxgroup({ quitter, cm(log, "b", { value = "b" }) })
      local seen = corral.with(g, function(values)
        return corral.kind(values[1]) .. "," .. values[2]
      end)
      assert.equals("TaskCancelled,b", seen)
      assert.same({ "b entered", "b exited nil" }, log) -- the cancelled one is never exited
    end)
  end)

  it("exit called while the enter is in progress raises InvalidState and changes nothing", function()
    vrun(function()
      local log = {}
      local g = corral.actxgroup({ cm(log, "a", { enter_s = 0.002, value = 1 }) })
      local values
      local t = corral.spawn(function() values = g:enter() end)
      corral.sleep(0.001)
      assert.equals("corral.actxgroup(entering, 1)", tostring(g))
      H.assert_error("InvalidState", { "actxgroup:exit", "not entered" }, g.exit, g, nil)
      assert.equals("corral.actxgroup(entering, 1)", tostring(g))
      assert.same({ n = 1 }, g:exit_states())
      t:join()
      assert.same({ 1, n = 1 }, values)
      assert.equals("corral.actxgroup(entered, 1)", tostring(g))
      assert.is_false(g:exit(nil))
      assert.same({ "a entered", "a exited nil" }, log)
      assert.equals("corral.actxgroup(done, 1)", tostring(g))
    end)
  end)

  it("rejects bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.actxgroup", "cms" }, corral.actxgroup, 3)
      H.assert_error("InvalidArgument", { "cms[2]" }, corral.actxgroup, { cm({}, "a", {}), print })
      H.assert_error("InvalidArgument", { "unknown key" }, corral.actxgroup, {}, { prefix = "e" })
      H.assert_error("InvalidArgument", { "opts.enter_prefix" }, corral.actxgroup, {}, { enter_prefix = 1 })
      local g = corral.actxgroup({})
      H.assert_error("InvalidState", { "not entered" }, g.exit, g, nil)
      g:enter()
      H.assert_error("InvalidState", { "already entered" }, g.enter, g)
      H.assert_error("InvalidState", { "already entered" }, g.add, g, cm({}, "a", {}))
    end)
  end)
end)

-- The aiotools Supervisor / TaskScope preset (corral.supervisor: SUPERVISE, JOIN, scoped;
-- R52, R55, R49).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("supervisor", function()
  it("a member failure goes to the root chain; siblings and the body go on (S55)", function()
    vrun(function()
      local log = {}
      local r = corral.supervisor(function(sv)
        local a = sv:spawn("A", function() corral.sleep(0.005); error(corral.error("ValueError", "a"), 0) end)
        sv:create_task("B", function() corral.sleep(0.01); log[#log + 1] = "B finished" end)
        corral.sleep(0.001)
        log[#log + 1] = "body done"
        assert.equals("ValueError", H.raises(a.join, a).kind) -- join still raises
        return "r"
      end)
      assert.equals("r", r)
      assert.same({ "body done", "B finished" }, log)
      assert.equals(10, H.ms())
      assert.equals(1, corral.unhandled_count())
    end)
    assert.same({ "unhandled error in task A: ValueError: a" }, H.last_log)
  end)

  it("opts.exception_cb handles the failures; a raising callback hands on to the chain", function()
    local seen = {}
    vrun(function()
      corral.supervisor({ exception_cb = function(e, t) seen[#seen + 1] = t:name() .. " " .. e end },
        function(sv)
          sv:spawn("A", function() error("x", 0) end)
          sv:spawn("B", function() error("y", 0) end)
        end)
      assert.equals(0, corral.unhandled_count())
      corral.supervisor({ exception_cb = function() error("cb failed", 0) end }, function(sv)
        sv:spawn("C", function() error("z", 0) end)
      end)
      corral.checkpoint()
      assert.equals(1, corral.unhandled_count())
    end)
    assert.same({ "A x", "B y" }, seen)
    assert.same({ "unhandled error in task C: LuaError: cb failed" }, H.last_log)
  end)

  it("a body error cancels the members and propagates as itself", function()
    vrun(function()
      local E = corral.error("ValueError", "body")
      local member
      local e = H.raises(corral.supervisor, function(sv)
        sv:spawn(function()
          local ok, err = pcall(corral.sleep, 1)
          member = corral.kind(err)
          error(err, 0)
        end)
        corral.sleep(0.001)
        error(E, 0)
      end)
      assert.equals(E, e)
      assert.equals("Cancelled", member)
    end)
  end)

  it("corral.task_scope is the same preset", function()
    assert.equals(corral.supervisor, corral.task_scope)
  end)

  it("bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.supervisor", "fn" }, corral.supervisor, {})
      H.assert_error("InvalidArgument", { "corral.supervisor", "opts.exception_cb" }, corral.supervisor,
        { exception_cb = 3 }, print)
      H.assert_error("InvalidArgument", { "corral.supervisor", "unknown key" }, corral.supervisor,
        { shield = true }, print)
      local saved
      corral.supervisor(function(sv)
        saved = sv
        H.assert_error("InvalidArgument", { "Supervisor:spawn", "fn" }, sv.spawn, sv, 5)
      end)
      H.assert_error("GroupClosed", {}, saved.spawn, saved, print)
    end)
  end)
end)

-- Fatal errors (R58): corral.fatal(kind, msg) escalates through every group.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("fatal errors", function()
  it("corral.fatal builds a fatal error value; corral.is_fatal tells", function()
    local F = corral.fatal("SystemExit", "bye")
    assert.equals("SystemExit", F.kind)
    assert.equals("bye", F.msg)
    assert.is_true(F.fatal)
    assert.is_true(corral.is_fatal(F))
    assert.is_false(corral.is_fatal(corral.error("ValueError", "x")))
    assert.is_false(corral.is_fatal("fatal"))
    assert.equals("SystemExit:bye", tostring(F))
  end)

  it("a member's fatal error: a task_group exit raises it itself, not an ErrorGroup", function()
    vrun(function()
      local F = corral.fatal("SystemExit", "bye")
      local cancelled = false
      local e = H.raises(corral.task_group, function(tg)
        tg:spawn(function() corral.sleep(0.01); error(F, 0) end)
        tg:spawn(function()
          local ok, err = pcall(corral.sleep, 1)
          cancelled = corral.is_cancelled(err)
          error(err, 0)
        end)
        corral.sleep(1)
      end)
      assert.equals(F, e)
      assert.is_true(cancelled)
    end)
  end)

  it("a body's fatal error beats the members' errors (R58 before R54)", function()
    vrun(function()
      local F = corral.fatal("KeyboardInterrupt", "")
      local e = H.raises(corral.task_group, function(tg)
        tg:spawn(function() error(corral.error("ValueError", "m"), 0) end)
        corral.shield(function() corral.sleep(0.001) end) -- the member fails meanwhile
        error(F, 0)
      end)
      assert.equals(F, e)
    end)
  end)

  it("in a supervisor it cancels the siblings and the body and is raised by the exit", function()
    local handled = 0
    vrun(function()
      local F = corral.fatal("SystemExit", "sv")
      local e = H.raises(corral.supervisor, { exception_cb = function() handled = handled + 1 end },
        function(sv)
          sv:spawn(function() corral.sleep(0.01); error(F, 0) end)
          sv:spawn(corral.sleep, 1)
          corral.sleep(1)
        end)
      assert.equals(F, e)
      assert.equals(10, H.ms())
    end)
    assert.equals(0, handled) -- handlers never see it
  end)

  it("from a free group it reaches the root: main is cancelled, the run ends with it", function()
    local handled, after = 0, false
    local F = corral.fatal("SystemExit", "free")
    local e = H.raises(H.vrun, function()
      local g = corral.group("G", { exception_cb = function() handled = handled + 1 end })
      local other = g:spawn(corral.sleep, 1)
      g:spawn(function() corral.sleep(0.01); error(F, 0) end)
      pcall(corral.sleep, 1)
      after = other:state()
    end)
    assert.equals(F, e)
    assert.equals(0, handled)
    assert.equals("cancelled", after)
  end)

  it("a fatal error table without a corral metatable works too", function()
    local F = { kind = "Abort", msg = "now", fatal = true }
    local e = H.raises(H.vrun, function()
      corral.spawn(function() error(F, 0) end)
      corral.sleep(1)
    end)
    assert.equals(F, e)
  end)
end)

-- corral.defer / corral.adefer (aiotools defer / adefer, R67, R66).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

local function E(msg) return corral.error("ValueError", msg) end

describe("adefer", function()
  it("runs the deferred calls LIFO after the body and returns the body's results", function()
    vrun(function()
      local log = {}
      local f = corral.adefer(function(defer, x)
        defer(function(n) log[#log + 1] = n end, "first")
        defer(function(n) corral.sleep(0.001); log[#log + 1] = n end, "second")
        log[#log + 1] = "body"
        return x, x + 1
      end)
      local a, b = f(1)
      assert.same({ 1, 2 }, { a, b })
      assert.same({ "body", "second", "first" }, log)
    end)
  end)

  it("every deferred call runs even if one fails; the last error wins (R67, unlike aiotools)", function()
    vrun(function()
      local ran = {}
      local f = corral.adefer(function(defer)
        defer(function() ran[#ran + 1] = "d1"; error(E("d1"), 0) end)
        defer(function() ran[#ran + 1] = "d2"; error(E("d2"), 0) end)
        error(E("body"), 0)
      end)
      local e = H.raises(f)
      assert.same({ "d2", "d1" }, ran)
      assert.equals("ValueError:d1 <- ValueError:d2 <- ValueError:body", tostring(e))
    end)
  end)

  it("deferred calls run shielded when the task is cancelled (S69)", function()
    vrun(function()
      local at
      local t = corral.spawn(corral.adefer(function(defer)
        defer(function() corral.sleep(0.005); at = H.ms() end)
        corral.sleep(1)
      end))
      corral.sleep(0.003)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      assert.equals(8, at)
    end)
  end)

  it("a deferred error replacing Cancelled does not get Cancelled as its context (R67)", function()
    vrun(function()
      local t = corral.spawn(corral.adefer(function(defer)
        defer(function() error(E("d"), 0) end)
        corral.sleep(1)
      end))
      corral.sleep(0.001)
      t:cancel()
      local e = H.raises(t.join, t)
      assert.equals("ValueError:d", tostring(e))
      assert.is_nil(rawget(e, "context"))
      corral.sleep(0)
    end)
  end)

  it("awaits a deferred future", function()
    vrun(function()
      local fut = corral.future()
      corral.spawn(function() corral.sleep(0.002); fut:set_result(1) end)
      corral.adefer(function(defer) defer(fut) end)()
      assert.equals(2, H.ms())
    end)
  end)

  it("rejects bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.adefer" }, corral.adefer, 1)
      local e = H.raises(corral.adefer(function(defer) defer(42) end))
      assert.equals("InvalidArgument", corral.kind(e))
    end)
  end)
end)

describe("defer", function()
  it("works outside a corral run", function()
    local log = {}
    local f = corral.defer(function(defer)
      defer(function() log[#log + 1] = "a" end)
      defer(function() log[#log + 1] = "b" end)
      return "r"
    end)
    assert.equals("r", f())
    assert.same({ "b", "a" }, log)
  end)

  it("refuses awaitables and values that are not callable", function()
    vrun(function()
      local fut = corral.future()
      local e = H.raises(corral.defer(function(defer) defer(fut) end))
      assert.equals("InvalidArgument", corral.kind(e))
      assert.truthy(e.msg:find("adefer", 1, true))
      e = H.raises(corral.defer(function(defer) defer("x") end))
      assert.equals("InvalidArgument", corral.kind(e))
      H.assert_error("InvalidArgument", { "corral.defer" }, corral.defer, nil)
    end)
  end)
end)

-- The trio-style nursery (corral.open_nursery: FAIL_FAST, JOIN, scoped; R49, R53, R28).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

describe("open_nursery", function()
  it("returns the nursery and the body's results after every member ended", function()
    vrun(function()
      local order = {}
      local n, a, b = corral.open_nursery(function(n, x)
        n:start_soon("A", function() corral.sleep(0.002); order[#order + 1] = "A" end)
        local t = n:start_soon(function(y) order[#order + 1] = y end, "B")
        assert.is_true(corral.is_task(t))
        return x, "two"
      end, "one")
      assert.equals(corral.Nursery, getmetatable(n))
      assert.equals("one", a)
      assert.equals("two", b)
      assert.same({ "B", "A" }, order)
      assert.is_false(n.cancel_scope.cancelled_caught)
      assert.is_true(n:is_closed())
    end)
  end)

  it("cancel_scope:cancel() cancels the body and the members; the exit absorbs it (S58)", function()
    vrun(function()
      local log = {}
      local n = corral.open_nursery(function(n)
        n:start_soon(function()
          local ok, e = pcall(corral.sleep, 1)
          log[#log + 1] = "member " .. corral.kind(e)
          error(e, 0)
        end)
        n:start_soon(function() corral.sleep(0.005); n.cancel_scope:cancel() end)
        corral.sleep(1)
        log[#log + 1] = "unreachable"
      end)
      assert.same({ "member Cancelled" }, log)
      assert.is_true(n.cancel_scope.cancelled_caught)
      assert.is_true(n.cancel_scope.cancel_called)
      assert.equals("EXPLICIT", n.cancel_scope.cause)
      assert.equals(5, H.ms())
      assert.is_false(n.cancel_scope:cancel()) -- the scope was left: a no-op
    end)
  end)

  it("cancelling the scope does not close the nursery: start_soon still works", function()
    vrun(function()
      local ran = false
      corral.open_nursery(function(n)
        n.cancel_scope:cancel()
        n:start_soon(function() ran = true end) -- starts, then is cancelled at its first checkpoint
        assert.is_true(n:is_open())
      end)
      assert.is_true(ran)
    end)
  end)

  it("a member failure cancels the rest and raises an ErrorGroup", function()
    vrun(function()
      local E = corral.error("ValueError", "a")
      local e = H.raises(corral.open_nursery, function(n)
        n:start_soon(function() corral.sleep(0.001); error(E, 0) end)
        corral.sleep(1)
      end)
      assert.equals("ErrorGroup", e.kind)
      assert.equals(E, e.errors[1])
      assert.equals(1, H.ms())
    end)
  end)

  it("cancel_scope deadlines work (set_deadline)", function()
    vrun(function()
      local n = corral.open_nursery(function(n)
        n.cancel_scope:set_deadline(corral.now() + 0.003)
        n:start_soon(corral.sleep, 1)
        corral.sleep(1)
      end)
      assert.is_true(n.cancel_scope.cancelled_caught)
      assert.equals(3, H.ms())
    end)
  end)

  it("bad input: non-callable, use after exit, outside a task", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.open_nursery", "fn" }, corral.open_nursery, 1)
      local saved
      corral.open_nursery(function(n)
        saved = n
        H.assert_error("InvalidArgument", { "Nursery:spawn", "fn" }, n.start_soon, n, "x", {})
        H.assert_error("InvalidArgument", { "Nursery:spawn", "self" }, n.start_soon, {}, print)
      end)
      H.assert_error("GroupClosed", {}, saved.start_soon, saved, print)
      H.assert_error("InvalidState", { "Scope:set_deadline" }, saved.cancel_scope.set_deadline,
        saved.cancel_scope, 1)
    end)
    H.assert_error("InvalidState", { "corral.open_nursery" }, corral.open_nursery, print)
  end)
end)

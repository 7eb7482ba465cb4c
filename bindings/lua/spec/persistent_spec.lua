-- The aiotools PersistentTaskGroup preset (corral.persistent_task_group: SUPERVISE; free when
-- used as an object, scoped JOIN when given a body; R52, R42, R48).
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

local function names(list)
  local out = {}
  for i, g in ipairs(list) do out[i] = g:name() or "?" end
  return out
end

describe("persistent_task_group", function()
  it("as an object: a free group that outlives its creator; shutdown() cancels and waits", function()
    vrun(function()
      local pg
      local creator = corral.spawn(function()
        pg = corral.persistent_task_group("P")
        pg:create_task("W", corral.sleep, 1)
      end)
      creator:join()
      assert.equals(corral.PersistentTaskGroup, getmetatable(pg))
      assert.equals(1, pg:size()) -- the creator's end does not affect it
      corral.sleep(0.002)
      pg:shutdown()
      assert.is_true(pg:is_closed())
      assert.equals(2, H.ms())
      H.assert_error("GroupClosed", {}, pg.spawn, pg, print)
    end)
  end)

  it("failures go to opts.exception_cb, else the root chain; siblings go on", function()
    local seen = {}
    vrun(function()
      local pg = corral.persistent_task_group({ name = "P", exception_cb = function(e) seen[#seen + 1] = e end })
      local ok = pg:spawn(function() corral.sleep(0.002); return "fine" end)
      pg:spawn(function() error("bad", 0) end)
      assert.equals("fine", ok:join())
      local plain = corral.persistent_task_group()
      local t = plain:spawn(function() error("lost?", 0) end)
      pcall(t.join, t)
      corral.checkpoint()
      assert.equals(1, corral.unhandled_count())
      pg:shutdown()
      plain:shutdown()
    end)
    assert.same({ "bad" }, seen)
  end)

  it("all_persistent_groups lists the live ones in creation order", function()
    vrun(function()
      local a = corral.persistent_task_group("A")
      local b = corral.persistent_task_group({ name = "B" })
      assert.same({ "A", "B" }, names(corral.all_persistent_groups()))
      a:shutdown()
      assert.same({ "B" }, names(corral.all_persistent_groups()))
      corral.persistent_task_group("C", function(pg)
        assert.same({ "B", "C" }, names(corral.all_persistent_groups()))
      end)
      assert.same({ "B" }, names(corral.all_persistent_groups()))
      b:shutdown()
      assert.same({}, corral.all_persistent_groups())
    end)
  end)

  it("entered with a body: JOIN exit waits for members; the body's value is returned", function()
    vrun(function()
      local done = false
      local r = corral.persistent_task_group(nil, function(pg, x)
        pg:spawn(function() corral.sleep(0.003); done = true end)
        pg:spawn(function() error("supervised", 0) end) -- does not cancel anything
        return x * 2
      end, 21)
      assert.equals(42, r)
      assert.is_true(done)
      assert.equals(3, H.ms())
      assert.equals(1, corral.unhandled_count())
    end)
  end)

  it("entered: shutdown() cancels the members and the body; the exit absorbs it", function()
    vrun(function()
      local log = {}
      corral.persistent_task_group("E", function(pg)
        pg:spawn(function()
          local ok, e = pcall(corral.sleep, 1)
          log[#log + 1] = corral.kind(e)
          error(e, 0)
        end)
        corral.sleep(0.001)
        pg:shutdown()
        local ok, e = pcall(corral.sleep, 1)
        log[#log + 1] = "body " .. corral.kind(e)
        error(e, 0)
      end)
      assert.same({ "body Cancelled", "Cancelled" }, log)
      assert.equals(1, H.ms())
    end)
  end)

  it("bad input", function()
    vrun(function()
      H.assert_error("InvalidArgument", { "corral.persistent_task_group", "opts" },
        corral.persistent_task_group, 5)
      H.assert_error("InvalidArgument", { "corral.persistent_task_group", "unknown key" },
        corral.persistent_task_group, { nam = "x" })
      H.assert_error("InvalidArgument", { "corral.persistent_task_group", "opts.name" },
        corral.persistent_task_group, { name = 5 })
      H.assert_error("InvalidArgument", { "corral.persistent_task_group", "fn" },
        corral.persistent_task_group, "P", 7)
      local pg = corral.persistent_task_group()
      H.assert_error("InvalidArgument", { "PersistentTaskGroup:shutdown", "self" }, pg.shutdown, {})
      H.assert_error("InvalidArgument", { "Group:spawn", "fn" }, pg.create_task, pg, "n", nil)
      pg:shutdown()
    end)
  end)
end)

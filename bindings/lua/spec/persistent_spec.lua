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

  it("entered: shutdown() cancels the live members and waits for each; the group stays open", function()
    local log = {}
    local function add(x) log[#log + 1] = H.ms() .. " " .. x end
    vrun(function()
      local r = corral.persistent_task_group("E", function(pg)
        pg:spawn("W1", function()
          local ok, e = pcall(corral.sleep, 1)
          add("W1 " .. corral.kind(e))
          error(e, 0)
        end)
        pg:spawn("W2", function()
          local ok, e = pcall(corral.sleep, 1)
          corral.shield(function() corral.sleep(0.002) end)
          add("W2 cleanup")
          error(e, 0)
        end)
        corral.sleep(0.005)
        pg:shutdown()
        add("shutdown returned open=" .. tostring(pg:is_open()) .. " size=" .. pg:size())
        -- the body is not cancelled and spawning still works; the exit waits for the new member
        pg:spawn("X", function() corral.sleep(0.003); add("X done") end)
        corral.sleep(0.001)
        add("body end")
        return "v"
      end)
      assert.equals("v", r)
      add("after")
    end)
    assert.same({ "5 W1 Cancelled", "7 W2 cleanup", "7 shutdown returned open=true size=0",
      "8 body end", "10 X done", "10 after" }, log)
  end)

  it("entered: shutdown() with no member returns at once; after the exit it does nothing", function()
    vrun(function()
      local saved
      corral.persistent_task_group("E", function(pg)
        saved = pg
        pg:shutdown()
        assert.is_true(pg:is_open())
        assert.equals(0, H.ms())
      end)
      saved:shutdown()
      assert.is_true(saved:is_closed())
    end)
  end)

  it("entered: the caller cancelled while shutdown() waits gets Cancelled; members stay cancelled", function()
    local log = {}
    vrun(function()
      local t = corral.spawn(function()
        corral.persistent_task_group("E", function(pg)
          pg:spawn("W", function()
            local ok, e = pcall(corral.sleep, 1)
            corral.shield(function() corral.sleep(0.005) end)
            log[#log + 1] = H.ms() .. " W " .. corral.kind(e)
            error(e, 0)
          end)
          corral.sleep(0.001)
          local ok, e = pcall(pg.shutdown, pg)
          log[#log + 1] = H.ms() .. " shutdown " .. corral.kind(e)
          error(e, 0)
        end)
        log[#log + 1] = "unreachable"
      end)
      corral.sleep(0.003)
      t:cancel()
      H.assert_error("TaskCancelled", {}, t.join, t)
      log[#log + 1] = H.ms() .. " joined"
    end)
    assert.same({ "3 shutdown Cancelled", "6 W Cancelled", "6 joined" }, log)
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

-- The Resource protocol (R50): objects with an async_group get the group's lifecycle
-- methods and close it on <close> (Lua 5.4) or corral.with exit.
local corral = require "corral"
local H = require "spec.helper"
local vrun = H.vrun

local Server = corral.resource({})
function Server.new(name)
  return setmetatable({ async_group = corral.group(name) }, Server)
end

describe("Resource", function()
  it("corral.resource(class) gives the class the lifecycle methods and __close", function()
    vrun(function()
      local s = Server.new("srv")
      assert.is_function(Server.__close)
      assert.equals(Server, Server.__index)
      assert.is_true(s:is_open())
      assert.is_false(s:is_closing())
      s:close(false)
      assert.is_true(s:is_closing())
      s:wait_closing()
      s:wait_closed()
      assert.is_true(s:is_closed())
    end)
  end)

  it("keeps the class's own methods", function()
    local C = { close = function() return "mine" end }
    corral.resource(C)
    assert.equals("mine", C.close())
    assert.is_function(C.async_close)
  end)

  it("corral.Resource is a metatable for plain objects; async_group may be a method", function()
    vrun(function()
      local g = corral.group()
      local r = setmetatable({ async_group = function() return g end }, corral.Resource)
      r:async_close()
      assert.is_true(g:is_closed())
    end)
  end)

  it("closing from a task of its own group cancels that task (S52)", function()
    vrun(function()
      local s = Server.new("srv")
      local inner
      s.async_group:spawn(function()
        corral.sleep(0.005)
        s:close()
        inner = H.raises(corral.sleep, 1).kind -- raised at once
      end)
      s:wait_closed()
      assert.equals("Cancelled", inner)
      assert.equals(5, H.ms())
    end)
  end)

  it("corral.with closes it with cancellation and re-raises the body's error", function()
    vrun(function()
      local s = Server.new("srv")
      local t = s.async_group:spawn(corral.sleep, 1)
      local e = H.raises(corral.with, s, function() error("body", 0) end)
      assert.equals("body", e)
      assert.is_true(s:is_closed())
      assert.equals("cancelled", t:state())
    end)
  end)

  it("entering a closing or closed resource raises GroupClosed and runs no body (R50)", function()
    vrun(function()
      local ran = false
      local s = Server.new("srv")
      s.async_group:spawn(function() corral.shield(function() corral.sleep(0.002) end) end)
      s:close()
      assert.is_true(s:is_closing() and not s:is_closed())
      H.assert_error("GroupClosed", { "corral.with" }, corral.with, s, function() ran = true end)
      H.assert_error("GroupClosed", { "corral.enter" }, corral.enter, s)
      s:wait_closed()
      H.assert_error("GroupClosed", { "corral.with" }, corral.with, s, function() ran = true end)
      assert.is_false(ran)
      -- an open one: corral.enter returns it (for `local r <close> = corral.enter(x)`)
      local s2 = Server.new("srv2")
      local a, b = corral.enter(s2)
      assert.equals(s2, a)
      assert.equals(s2, b)
      s2:async_close()
    end)
  end)

  it("rejects objects without an async_group group", function()
    vrun(function()
      local bad = setmetatable({}, corral.Resource)
      H.assert_error("InvalidArgument", { "Resource:close", "async_group" }, bad.close, bad)
      local bad2 = setmetatable({ async_group = corral.queue() }, corral.Resource)
      H.assert_error("InvalidArgument", { "Resource:is_open" }, bad2.is_open, bad2)
      H.assert_error("InvalidArgument", { "corral.resource", "class" }, corral.resource, 3)
    end)
  end)
end)

local d = H.LUA54 and describe or pending
d("Resource with <close> (Lua 5.4)", function()
  it("closes the group at scope exit, shielded, and waits for it", function()
    local env = setmetatable({ corral = corral, H = H, Server = Server }, { __index = _G })
    local log = assert(load([[
      local log = {}
      corral.run({ clock = "virtual", signals = false }, function()
        do
          local s <close> = Server.new("srv")
          s.async_group:spawn(function()
            local ok, e = pcall(corral.sleep, 1)
            corral.shield(function() corral.sleep(0.002) end)
            log[#log + 1] = "cleanup at " .. H.ms()
            error(e, 0)
          end)
          corral.sleep(0.003)
        end
        log[#log + 1] = "after at " .. H.ms()
      end)
      return log
    ]], "=<close>", "t", env))()
    assert.same({ "cleanup at 5", "after at 5" }, log)
  end)

  it("local r <close> = corral.enter(r) raises GroupClosed on a closed resource; nothing is closed", function()
    local env = setmetatable({ corral = corral, H = H, Server = Server }, { __index = _G })
    local log = assert(load([[
      local log = {}
      corral.run({ clock = "virtual", signals = false }, function()
        local s = Server.new("srv")
        s:async_close()
        local ok, e = pcall(function()
          local r <close> = corral.enter(s)
          log[#log + 1] = "body"
        end)
        log[#log + 1] = corral.kind(e)
      end)
      return log
    ]], "=<close>", "t", env))()
    assert.same({ "GroupClosed" }, log)
  end)
end)

-- Groups, presets and helpers hold no Lua values once they are done: every HOST token they
-- gave the core (values, error values, exception callbacks) comes back.
local corral = require "corral"
local H = require "spec.helper"

describe("group tokens", function()
  it("presets and helpers release their Lua values", function()
    H.vrun(function()
      local before = corral._debug.host_tokens()
      local function scenario()
        local v = { "value" }
        local function fails() error({ "error value" }, 0) end
        corral.race({ function() return v end, fails }, { continue_on_error = true })
        pcall(corral.race, { fails, fails }, { continue_on_error = true })
        corral.gather_safe({ function() return v end, fails })
        corral.as_completed_safe({ function() return v end, fails }, function(t) pcall(t.join, t) end)
        corral.supervisor({ exception_cb = function() end }, function(sv) sv:spawn(fails) end)
        local pg = corral.persistent_task_group({ exception_cb = function() end })
        pg:spawn(fails)
        pg:shutdown()
        local n = corral.task_nursery({ exception_cb = function() end })
        n:push_callback(function() return v end)
        n:create_task(fails)
        n:aclose()
        local g = corral.group("G", { log_exceptions = true })
        g:wrap(corral.spawn(function() return v end)):join()
        g:async_close()
        pcall(corral.task_group, function(tg) tg:spawn(fails) end)
      end
      corral.spawn(scenario):join()
      for _ = 1, 3 do
        collectgarbage()
        collectgarbage()
        corral.sleep(0.001)
      end
      assert.equals(before, corral._debug.host_tokens())
    end)
  end)
end)

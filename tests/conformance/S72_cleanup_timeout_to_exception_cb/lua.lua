-- S72 - Cleanup grace expiries reach a group's exception callback (R56, R66, R73).
local corral = require "corral"
local log = corral.log

-- cb(err, member): log("cb " + text(err) + " member=" + member.name) as actor G.cb
local function cb(err, member)
  log("cb " .. corral.repr(err) .. " member=" .. member:name())
end

corral.run({ clock = "virtual", trace = true }, function()
  local g = corral.group("G", { exception_cb = cb, cleanup_timeout = 0.003 })
  g:spawn("A", function()
    corral.with(corral.ExitStack(), function(st)
      st:push_async_callback(function()
        corral.sleep(0.020)
        log("unreachable")
      end)
      corral.sleep(0.100)
    end)
  end)
  g:spawn("B", function()
    local ok, v = pcall(corral.call_on_cancel, function()
      corral.sleep(0.010)
      log("late ran")
      return "late"
    end)
    log("call_on_cancel rc=" .. (ok and "ok" or corral.kind(v)))
    if not ok then error(v, 0) end
    return v
  end)
  corral.sleep(0.001)
  g:async_close()
  log("closed")
end)

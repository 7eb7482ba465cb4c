-- S67 - Exit stack unwinding under a deadline (R66, R67, R12).
local corral = require "corral"
local log = corral.log

-- cleanup(name): await sleep(3); log(name + " done")
local function cleanup(name)
  corral.sleep(0.003)
  log(name .. " done")
end
-- note(name): log(name + " ran")   (a plain callback)
local function note(name) log(name .. " ran") end

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    local s = corral.move_on_after(0.010, function()
      corral.with(corral.ExitStack(), function(st)
        st:push_async_callback(cleanup, "c1")
        st:callback(note, "c2")
        corral.sleep(0.100)
      end)
    end)
    log("caught=" .. tostring(s.cancelled_caught))
  end)
  pcall(a.join, a)
end)

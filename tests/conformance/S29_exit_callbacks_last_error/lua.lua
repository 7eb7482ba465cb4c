-- S29 - Every exit callback runs; the last error wins (R67).
local corral = require "corral"
local log = corral.log

-- raiser(name): log("raising " + name); raise ValueError(name)
local function raiser(name)
  log("raising " .. name)
  error(corral.error("ValueError", name), 0)
end

corral.run({ clock = "virtual", trace = true, log = false }, function()
  local a = corral.spawn("A", function()
    corral.with(corral.ExitStack(), function(st)
      st:push_async_callback(raiser, "E1")
      st:push_async_callback(raiser, "E2")
      log("body done")
    end)
  end)
  pcall(a.join, a)
end)

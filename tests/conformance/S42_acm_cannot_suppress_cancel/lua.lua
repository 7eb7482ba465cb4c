-- S42 - An asynccontextmanager cannot suppress Cancelled (R68).
-- corral.contextmanager's generator receives `yield`; yield raises the body's error.
local corral = require "corral"
local log = corral.log

-- cm(): try: yield except Cancelled: log("cm saw cancel")   (then returns: tries to suppress)
local cm = corral.contextmanager(function(yield)
  local ok, err = pcall(yield)
  if not ok then
    if not corral.is_cancelled(err) then error(err, 0) end
    log("cm saw cancel")
  end
end)

-- cm2(): try: yield except ValueError: log("cm2 suppressed")
local cm2 = corral.contextmanager(function(yield)
  local ok, err = pcall(yield)
  if not ok then
    if corral.kind(err) ~= "ValueError" then error(err, 0) end
    log("cm2 suppressed")
  end
end)

corral.run({ clock = "virtual", trace = true }, function()
  local a = corral.spawn("A", function()
    local s = corral.move_on_after(0.010, function()
      corral.with(cm(), function()
        corral.sleep(0.100)
      end)
      log("unreachable")
    end)
    log("caught=" .. tostring(s.cancelled_caught))
    corral.with(cm2(), function()
      error(corral.error("ValueError", "v"), 0)
    end)
    log("after cm2")
  end)
  pcall(a.join, a)
end)

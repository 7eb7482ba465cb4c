-- S54 - first with a predicate, on an exhausted and on an empty iterable.
local corral = require "corral"
local log = corral.log

-- items(n): an iterator of 1..n (nil ends it)
local function items(n)
  local i = 0
  return function()
    if i >= n then return nil end
    i = i + 1
    return i
  end
end

local function pred(x)
  log("check " .. x)
  return x > 2
end

local function never(x)
  log("check " .. x)
  return x > 10
end

corral.run({ clock = "virtual", trace = true }, function()
  log("first=" .. corral.first(items(5), pred, -1))
  log("exhausted=" .. corral.first(items(2), never, -1))
  log("empty=" .. corral.first(items(0), nil, "none"))
end)

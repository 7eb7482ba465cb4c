-- S02 - Immediate completion still yields (R23).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local q = corral.queue()
  q:put_nowait(1)
  q:put_nowait(2)
  -- log("<p>0"); x = await q.get(); log("<p>1 " + x)
  local function getter(p)
    log(p .. "0")
    local x = q:get() -- an item is there, but get still yields once
    log(p .. "1 " .. x)
  end
  local a = corral.spawn("A", getter, "a")
  local b = corral.spawn("B", getter, "b")
  pcall(a.join, a)
  pcall(b.join, b)
end)

-- S49 - Group:wrap of a future and of a task (R44, R45, R21).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local G = corral.group("G")
  local f = corral.future()
  -- X (root group): try: await sleep(30); return "x" except Cancelled: log("X cancelled"); raise
  local x = corral.spawn("X", function()
    local ok, err = pcall(corral.sleep, 0.030)
    if not ok then
      if corral.is_cancelled(err) then log("X cancelled") end
      error(err, 0)
    end
    return "x"
  end)
  local wf = G:wrap("WF", f)
  G:wrap("WX", x)
  corral.sleep(0.005)
  f:set_result(7)
  log("WF=" .. wf:join())
  local g = corral.future()
  G:wrap("WG", g)
  corral.sleep(0.005)
  G:async_close()
  log("g cancelled=" .. tostring(g:cancelled()))
  log("closed")
end)

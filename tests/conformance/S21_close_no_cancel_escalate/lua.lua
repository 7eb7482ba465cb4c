-- S21 - close(cancel=False) then escalation (R46).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local G = corral.group("G")
  -- A: await sleep(50); log("finished")
  G:spawn("A", function()
    corral.sleep(0.050)
    log("finished")
  end)
  -- B: try: await sleep(200) except Cancelled: log("cancelled"); raise
  G:spawn("B", function()
    local ok, err = pcall(corral.sleep, 0.200)
    if not ok then
      if corral.is_cancelled(err) then log("cancelled") end
      error(err, 0)
    end
  end)

  corral.sleep(0.010)
  G:close(false)
  log("closing")
  corral.sleep(0.050)
  G:close(true)
  G:wait_closed()
  log("closed")
end)

-- S60 - cancel_and_join (R15, R14, R16).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true, log = false }, function()
  -- A: try: await sleep(100) except Cancelled: with shield(): await sleep(3); log("A cleanup"); raise
  local A = corral.spawn("A", function()
    local ok, err = pcall(corral.sleep, 0.100)
    if not ok then
      if corral.is_cancelled(err) then
        corral.shield(function() corral.sleep(0.003) end)
        log("A cleanup")
      end
      error(err, 0)
    end
  end)
  -- B: try: await sleep(100) except Cancelled: return "b-late"
  local B = corral.spawn("B", function()
    local ok = pcall(corral.sleep, 0.100)
    if not ok then return "b-late" end
  end)
  -- C: await sleep(1); raise ValueError("c")
  local C = corral.spawn("C", function()
    corral.sleep(0.001)
    error(corral.error("ValueError", "c"), 0)
  end)
  corral.sleep(0.010)
  corral.cancel_and_join(A)
  log("A joined")
  log("B=" .. corral.cancel_and_join(B))
  local ok, err = pcall(corral.cancel_and_join, C)
  if not ok and corral.kind(err) == "ValueError" then log("C error raised") end
end)

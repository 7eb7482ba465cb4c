-- S20 - close(cancel=True) with a subgroup (R45, R47, R48, R44).
local corral = require "corral"
local log = corral.log

-- w(): try: await sleep(100) except Cancelled: log("cancelled"); raise
local function w()
  local ok, err = pcall(corral.sleep, 0.100)
  if not ok then
    if corral.is_cancelled(err) then log("cancelled") end
    error(err, 0)
  end
end

corral.run({ clock = "virtual", trace = true }, function()
  local G = corral.group("G")
  G:spawn("g1", w)
  local S = G:create_subgroup("S")
  S:spawn("s1", w)

  corral.sleep(0.010)
  G:close()
  log("closing")
  local ok, err = pcall(G.spawn, G, "x", w)
  if not ok and corral.kind(err) == "GroupClosed" then log("spawn rejected") end
  G:wait_closed()
  log("closed")
end)

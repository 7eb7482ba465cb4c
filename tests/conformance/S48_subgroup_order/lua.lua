-- S48 - Subgroup ordering on close (R45, R47, R48, R44).
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
  local A = G:create_subgroup("A")
  local A1 = A:create_subgroup("A1")
  local B = G:create_subgroup("B")
  B:spawn("b", w)
  A1:spawn("a1", w)
  G:spawn("g", w)
  A:spawn("a", w)
  corral.sleep(0.010)
  G:close()
  local ok, err = pcall(G.create_subgroup, G, "C")
  if not ok and corral.kind(err) == "GroupClosed" then log("subgroup rejected") end
  G:wait_closed()
  log("closed")
end)

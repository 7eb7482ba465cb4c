-- S37 - Self-wait rejection (R17).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  local G = corral.group("G")
  local t = G:spawn("T", function()
    corral.shield(function()
      local ok, err = pcall(G.wait_closed, G) -- T is a member of G: this could never finish
      if not ok then
        if corral.kind(err) ~= "InvalidState" then error(err, 0) end
        log("self wait rejected")
      end
    end)
    local me = corral.current()
    local ok, err = pcall(me.join, me)
    if not ok then
      if corral.kind(err) ~= "InvalidState" then error(err, 0) end
      log("self join rejected")
    end
  end)
  pcall(t.join, t)
end)

-- S41 - hat-style Group as an async CM cancels on exit (R49, R66).
-- corral.with is the <close> of every Lua version (a <close> variable does the same on 5.4).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  corral.with(corral.group("G"), function(g)
    -- T: try: await sleep(100) except Cancelled: with shield(): await sleep(2); log("T cleanup"); raise
    g:spawn("T", function()
      local ok, err = pcall(corral.sleep, 0.100)
      if not ok then
        if corral.is_cancelled(err) then
          corral.shield(function() corral.sleep(0.002) end)
          log("T cleanup")
        end
        error(err, 0)
      end
    end)
    corral.sleep(0.005)
  end)
  log("after")
end)

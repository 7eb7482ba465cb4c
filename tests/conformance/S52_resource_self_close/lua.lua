-- S52 - A Resource closed from inside its own task (R50, R45, R24).
local corral = require "corral"
local log = corral.log

-- Server: a Resource whose async_group is Group("srv")
local Server = corral.resource({})

function Server.new()
  local self = setmetatable({ async_group = corral.group("srv") }, Server)
  -- loop: await sleep(5); log("closing self"); self.close();
  --       try: await sleep(1) except Cancelled: log("cancelled inside"); raise
  self.async_group:spawn("loop", function()
    corral.sleep(0.005)
    log("closing self")
    self:close()
    local ok, err = pcall(corral.sleep, 0.001)
    if not ok then
      if corral.is_cancelled(err) then log("cancelled inside") end
      error(err, 0)
    end
  end)
  return self
end

corral.run({ clock = "virtual", trace = true }, function()
  local srv = Server.new()
  srv:wait_closing()
  log("closing=" .. tostring(srv:is_closing()) .. " closed=" .. tostring(srv:is_closed()))
  srv:wait_closed()
  log("closed")
end)

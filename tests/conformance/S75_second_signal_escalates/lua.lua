-- S75 - The second signal escalates: shields are cancelled (R51, R28, R32).
local corral = require "corral"
local log = corral.log

local ok, err = pcall(corral.run, { clock = "virtual", trace = true, escalate_signals = true },
  function()
    -- H (root): sleep(10); inject_signal(SIGINT); sleep(2); inject_signal(SIGINT); log
    corral.spawn("H", function()
      corral.sleep(0.010)
      corral.inject_signal("SIGINT") -- cancels main (cause SIGNAL)
      corral.sleep(0.002)
      corral.inject_signal("SIGINT") -- escalates: every shield is cancelled
      log("H sent two")
    end)
    -- try: await sleep(100) finally: with shield(): ...; log("after shield")
    local ok, e = pcall(corral.sleep, 0.100)
    corral.shield(function()
      local slept, why = pcall(corral.sleep, 0.005)
      if slept then
        log("cleanup done")
      elseif corral.is_cancelled(why) then
        log("cleanup cut")
        error(why, 0)
      end
    end)
    log("after shield")
    if not ok then error(e, 0) end
  end)
if ok or not corral.is_cancelled(err) or err.cause ~= "SIGNAL" then
  io.stderr:write("S75: expected Cancelled(SIGNAL), got " .. tostring(err) .. "\n")
  os.exit(1)
end

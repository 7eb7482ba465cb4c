-- S33 - race (R70).
local corral = require "corral"
local log = corral.log

corral.run({ clock = "virtual", trace = true }, function()
  -- a: await sleep(10); return "a"
  local function a() corral.sleep(0.010); return "a" end
  -- b: await sleep(5); return "b"
  local function b() corral.sleep(0.005); return "b" end
  -- c: try: await sleep(20) except Cancelled: with shield(): await sleep(3); log("c cleanup"); raise
  local function c()
    local ok, err = pcall(corral.sleep, 0.020)
    if not ok then
      if corral.is_cancelled(err) then
        corral.shield(function() corral.sleep(0.003) end)
        log("c cleanup")
      end
      error(err, 0)
    end
  end
  local v, errs = corral.race({ a, b, c }, { names = { "ra", "rb", "rc" } })
  log("race=" .. v .. " errors=" .. corral.repr(errs))
end)

-- bench/lua/bench.lua - corral's Lua binding against bare coroutines and cqueues.
--
--   lua5.4 bench/lua/bench.lua [--quick] [--runs K] [--filter S]
--   luajit bench/lua/bench.lua ...
-- (bench/lua/run.sh builds a Release module and runs both.)
--
-- Each sample runs in a fresh child process of the same interpreter (this script with
-- --child), so one implementation cannot disturb another's heap or GC state. A timing
-- sample runs the workload once with N/10 (discarded warm-up), then with N, and reports
-- CPU ns per operation; the table shows the median of K samples (min and max beside it in
-- the raw lines with -v). Memory samples park N tasks and report bytes per parked task:
-- RSS growth (includes the C side: corral's task structs, cqueues' objects) and Lua heap
-- growth after a full collection.
local script = arg and arg[0] or "bench/lua/bench.lua"
local interp = arg and arg[-1] or "lua"

local function usage()
  io.stderr:write("usage: bench.lua [--quick] [--runs K] [--filter S] [-v]\n")
  os.exit(2)
end

local WORKLOADS = {
  { id = "switch", what = "switch: 2 tasks yield to each other (ns per yield)", n = 200000 },
  { id = "spawn_join", what = "spawn+join a task that returns at once (ns per task)", n = 100000 },
  { id = "ping_pong", what = "ping-pong: a value there and back (ns per round trip)", n = 100000 },
  { id = "parked", what = "memory per parked task (bytes)", n = 50000, memory = true },
  { id = "spawn_many", what = "spawn_many: group, yield once, wait all (ns/task)", n = 100000 },
  { id = "spawn_many_mem", what = "spawn_many: memory per live task (bytes)", n = 100000,
    memory = true },
  { id = "queue_1", what = "queue maxsize 1: put/get (ns per item)", n = 1000000 },
  { id = "queue_1024", what = "queue maxsize 1024: put/get (ns per item)", n = 1000000 },
  { id = "queue_1_nowait", what = "queue maxsize 1: nowait first (ns per item)", n = 1000000 },
  { id = "queue_1024_nowait", what = "queue maxsize 1024: nowait first (ns per item)", n = 1000000 },
}
local IMPLS = { "raw", "sched", "cqueues", "corral" }

-- ---------------------------------------------------------------------------------------
-- child: run one sample and print it
-- ---------------------------------------------------------------------------------------
if arg[1] == "--child" then
  local impl, workload, n = arg[2], arg[3], tonumber(arg[4])
  local here = script:match("^(.*)/[^/]*$") or "."
  package.path = here .. "/?.lua;" .. package.path
  local I = require "impls"
  local set = I[impl]
  if not set then
    print("unavailable")
    os.exit(0)
  end
  local fn = set[workload]
  local memory = false
  for _, w in ipairs(WORKLOADS) do
    if w.id == workload then memory = w.memory end
  end
  if not fn then
    print("unavailable")
    os.exit(0)
  end
  if memory then
    local r, h = fn(n)
    print(string.format("%.1f %.1f", r, h))
  else
    fn(math.max(1, math.floor(n / 10)))
    local secs = fn(n)
    print(string.format("%.3f", secs / n * 1e9))
  end
  os.exit(0)
end

-- ---------------------------------------------------------------------------------------
-- parent: run the samples, print the table
-- ---------------------------------------------------------------------------------------
local runs, quick, filter, verbose = 5, false, nil, false
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--quick" then
    quick = true
  elseif a == "--runs" then
    i = i + 1
    runs = tonumber(arg[i]) or usage()
  elseif a == "--filter" then
    i = i + 1
    filter = arg[i] or usage()
  elseif a == "-v" then
    verbose = true
  else
    usage()
  end
  i = i + 1
end

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function sample(impl, w, n)
  local cmd = table.concat({ shell_quote(interp), shell_quote(script), "--child", impl, w.id,
    tostring(n) }, " ") .. " 2>&1"
  local p = io.popen(cmd)
  local out = p:read("*a")
  p:close()
  if out:match("^unavailable") then return "n/a" end
  local a, b = out:match("^%s*([%d%.%-]+)%s+([%d%.%-]+)")
  if a then return { tonumber(a), tonumber(b) } end
  a = out:match("^%s*([%d%.%-]+)%s*$")
  if a then return { tonumber(a) } end
  io.stderr:write(string.format("bench: %s %s failed:\n%s\n", impl, w.id, out))
  return "failed"
end

local function median(xs)
  table.sort(xs)
  local n = #xs
  if n % 2 == 1 then return xs[(n + 1) / 2] end
  return (xs[n / 2] + xs[n / 2 + 1]) / 2
end

local function fmt(x)
  if type(x) ~= "number" then return tostring(x) end
  if x >= 100 then return string.format("%.0f", x) end
  return string.format("%.1f", x)
end

local function ratio(a, b)
  if type(a) ~= "number" or type(b) ~= "number" or b == 0 then return "-" end
  return string.format("%.2f", a / b)
end

local version = jit and jit.version or _VERSION
print(string.format("corral Lua binding benchmarks: %s, median of %d runs%s (CPU time, os.clock)",
  version, runs, quick and ", --quick (N/10)" or ""))
print("ratios: corral / peer (below 1 means corral is faster or smaller)")
print()
print(string.format("%-54s %7s %8s %8s %8s %8s %9s %9s %9s", "workload", "N", "raw", "sched",
  "cqueues", "corral", "/raw", "/sched", "/cqueues"))

local results = {}
for _, w in ipairs(WORKLOADS) do
  if not filter or w.id:find(filter, 1, true) then
    local n = quick and math.floor(w.n / 10) or w.n
    local med = {}
    for _, impl in ipairs(IMPLS) do
      local xs, ys, bad = {}, {}, nil
      local k = w.memory and math.max(3, math.floor(runs / 2)) or runs
      for _ = 1, k do
        local s = sample(impl, w, n)
        if type(s) ~= "table" then
          bad = s
          break
        end
        xs[#xs + 1] = s[1]
        ys[#ys + 1] = s[2]
      end
      if bad then
        med[impl] = { bad, bad }
      else
        local lo, hi = math.huge, -math.huge
        for _, x in ipairs(xs) do
          lo = math.min(lo, x)
          hi = math.max(hi, x)
        end
        med[impl] = { median(xs), #ys > 0 and median(ys) or nil, lo, hi }
        if verbose then
          io.stderr:write(string.format("  %s %s: median %s min %s max %s\n", w.id, impl,
            fmt(med[impl][1]), fmt(lo), fmt(hi)))
        end
      end
    end
    results[w.id] = med
    local rows = w.memory and { { "RSS", 1 }, { "Lua heap", 2 } } or { { nil, 1 } }
    for _, row in ipairs(rows) do
      local label = w.what .. (row[1] and (", " .. row[1]) or "")
      local v = {}
      for _, impl in ipairs(IMPLS) do v[impl] = med[impl][row[2]] end
      print(string.format("%-54s %7s %8s %8s %8s %8s %9s %9s %9s", label,
        (n >= 1000 and (math.floor(n / 1000) .. "k") or tostring(n)),
        fmt(v.raw), fmt(v.sched), fmt(v.cqueues), fmt(v.corral),
        ratio(v.corral, v.raw), ratio(v.corral, v.sched), ratio(v.corral, v.cqueues)))
    end
  end
end

print()
print("targets (issue 4): switch <= 450 ns and within ~3x of raw; spawn+join <= 1 us;")
print("corral at least 2x faster than cqueues on every workload (/cqueues <= 0.50);")
print("no more memory per parked task than cqueues (/cqueues <= 1.00).")
print("spawn_many: corral.task_group vs a live-count group (sched) vs a counter + condition")
print("(cqueues has no groups); target: at least 2x faster than cqueues (/cqueues <= 0.50).")
print("queues (issue 7): 1M items through a queue of maxsize 1 / 1024; corral put/get rows: a")
print("checkpoint per call (R23); nowait rows: try_put/try_get first, blocking only when full /")
print("empty (what the peers do). Target: at least 2x faster than cqueues (/cqueues <= 0.50).")

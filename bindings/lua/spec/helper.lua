-- Shared helpers for the specs (require "spec.helper").
local corral = require "corral"
local H = {}

H.LUA54 = _VERSION == "Lua 5.4" and not jit
H.JIT = jit ~= nil
H.INTERP = arg and arg[-1] or (H.JIT and "luajit" or "lua5.4")

--- corral.run on the virtual clock, without signal handling, diagnostics collected.
function H.vrun(fn, ...)
  local log = {}
  H.last_log = log
  return corral.run({ clock = "virtual", signals = false, log = log }, fn, ...)
end

--- Virtual time in integer milliseconds.
function H.ms()
  return math.floor(corral.now() * 1000 + 0.5)
end

--- pcall that returns the error value (and fails the spec if nothing was raised).
function H.raises(fn, ...)
  local ok, e = pcall(fn, ...)
  assert(not ok, "expected an error")
  return e
end

--- The error raised by fn(...) must be a corral error of `kind` whose message contains
-- every string in `parts`.
function H.assert_error(kind, parts, fn, ...)
  local e = H.raises(fn, ...)
  assert(type(e) == "table", "expected an error table, got " .. tostring(e))
  assert(e.kind == kind, "expected kind " .. kind .. ", got " .. tostring(e.kind) .. ": " .. tostring(e.msg))
  for _, p in ipairs(parts or {}) do
    assert(tostring(e.msg):find(p, 1, true), "message '" .. tostring(e.msg) .. "' lacks '" .. p .. "'")
  end
  return e
end

--- Run a Lua program in a child interpreter (the same one) with the current paths;
-- returns its standard output.
function H.child(code)
  local f = os.tmpname()
  local fh = assert(io.open(f, "w"))
  fh:write(code)
  fh:close()
  local p = io.popen(string.format("%s %s 2>&1", H.INTERP, f))
  local out = p:read("*a")
  p:close()
  os.remove(f)
  return out
end

return H

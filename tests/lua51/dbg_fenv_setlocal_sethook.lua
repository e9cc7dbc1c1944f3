local function f() return x end
debug.setfenv(f, {x = "env x"})
print(f(), debug.getfenv(f).x, debug.getfenv(print) == _G)
local function g()
  local a = 1
  debug.setlocal(1, 1, 42)
  return a
end
print(g())
print(debug.sethook())
print(debug.gethook())

local function f(...)
  return arg and arg.n, arg and arg[1]
end
print(f("a", "b"))
local function g(...)
  local n = select('#', ...)
  return n, arg
end
print(g(1, 2))

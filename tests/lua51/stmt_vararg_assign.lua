local function f(...)
  local a, b = ...
  local c, d, e = 1, ...
  return a, b, c, d, e
end
print(f(7, 8, 9))
print(f())

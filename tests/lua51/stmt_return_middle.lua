local function f(x)
  if x then return "early" end
  do return "block" end
end
print(f(true), f(false))
local function g() return end
print(select('#', g()))

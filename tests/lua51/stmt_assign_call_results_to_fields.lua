local t = {}
local function two() return "x", "y" end
t.a, t.b = two()
print(t.a, t.b)
t.c, t.d, t.e = 1, two()
print(t.c, t.d, t.e)

local function f(a, b) local c = a + b; return debug.getlocal(1, 1), debug.getlocal(1, 3) end
print(f(1, 2))
local up = 5
local function g() return up end
print(debug.getupvalue(g, 1))
debug.setupvalue(g, 1, 10)
print(g(), up)

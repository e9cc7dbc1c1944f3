local function f(a, b) local t = {a, b, "s", 1.5, true} return #t, a .. b, select('#', a, b) end
local g = loadstring(string.dump(f))
print(g("x", "y"))
local up = 1
local function h() return up end
print(loadstring(string.dump(h))())
print(pcall(string.dump, print))

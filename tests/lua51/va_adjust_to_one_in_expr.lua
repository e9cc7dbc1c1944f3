local function f(...) return ... end
print(f(1, 2) + 10, (f(3, 4)))
local t = {f(5, 6), f(7, 8)}
print(#t, t[1], t[2], t[3])

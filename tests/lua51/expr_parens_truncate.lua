local function f() return 1, 2, 3 end
print((f()))
local t = {(f())}
print(#t)
print(select('#', (f())))

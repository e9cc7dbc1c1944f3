local function f(...) return 0, ..., 9 end
print(f(1, 2, 3))
local function g(...) return ..., 9 end
print(g(1, 2, 3))

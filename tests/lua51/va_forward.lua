local function inner(a, b, c) return c, b, a end
local function outer(...) return inner(...) end
print(outer(1, 2, 3))
print(outer(1))

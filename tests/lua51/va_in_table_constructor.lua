local function f(...) return {..., "end"}, {"start", ...} end
local a, b = f(1, 2, 3)
print(#a, a[1], a[2], #b, b[4])

local a, b = 1, 2, 3, 4
print(a, b)
local c, d, e = 1
print(c, d, e)
local function three() return 1, 2, 3 end
local p, q, r, s = three()
print(p, q, r, s)
local v, w = three(), 10
print(v, w)
local m, n, o = 0, three()
print(m, n, o)

local function f(...) return select('#', ...) end
local t = {}
for i = 1, 250 do t[i] = i end
print(f(unpack(t)))

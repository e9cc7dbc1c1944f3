local t = {}
for i = 1, 200 do t[i] = i end
print(select('#', unpack(t)), (select(200, unpack(t))))
local function sum(...) local s = 0 for i = 1, select('#', ...) do s = s + select(i, ...) end return s end
print(sum(unpack(t)))

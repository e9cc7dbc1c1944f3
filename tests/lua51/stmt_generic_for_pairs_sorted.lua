local t = {x = 1, y = 2, z = 3, 10, 20}
local keys = {}
for k in pairs(t) do keys[#keys + 1] = tostring(k) end
table.sort(keys)
print(table.concat(keys, " "))
local sum = 0
for _, v in pairs(t) do sum = sum + v end
print(sum)

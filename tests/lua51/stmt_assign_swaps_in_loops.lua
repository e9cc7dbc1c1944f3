local a, b = 1, 1
for i = 1, 10 do a, b = b, a + b end
print(a, b)
local t = {5, 3, 8, 1}
for i = 1, #t do for j = i + 1, #t do if t[j] < t[i] then t[i], t[j] = t[j], t[i] end end end
print(table.concat(t, " "))
local x, y, z = 1, 2, 3
x, y, z = y + z, x + z, x + y
print(x, y, z)

local t = {}
local x = 7
for i = 1, 1000 do x = (x * 1103515245 + 12345) % 2147483648; t[i] = x end
table.sort(t)
local ok = true
for i = 2, #t do if t[i - 1] > t[i] then ok = false end end
print(ok, #t)
table.sort(t, function(a, b) return a > b end)
print(t[1] >= t[1000])

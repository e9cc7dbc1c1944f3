local t = {1, 2, 3}
local n = 0
for k, v in next, t do n = n + v end
print(n)

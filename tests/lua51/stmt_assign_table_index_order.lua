local i = 3
local a = {}
i, a[i] = i + 1, 20
print(i, a[3], a[4])
local j = 1
local b = {}
b[j], j = 20, 2
print(j, b[1], b[2])

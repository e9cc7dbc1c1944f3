local x = 10
local x = x + 1
print(x)
local a, a = 1, 2
print(a)

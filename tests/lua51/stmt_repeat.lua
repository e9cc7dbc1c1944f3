local i = 0
repeat i = i + 1 until i >= 5
print(i)
local n = 0
repeat local k = n * 2; n = n + 1 until k >= 6
print(n)

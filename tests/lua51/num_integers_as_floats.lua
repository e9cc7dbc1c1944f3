print(3 == 3.0, 1e2 == 100, 2^31 == 2147483648, math.floor(3.7) == 3)
local n = 0
for i = 1, 10 do n = n + 0.1 end
print(n, n == 1, math.abs(n - 1) < 1e-12)

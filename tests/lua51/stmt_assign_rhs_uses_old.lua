local a, b = 0, 0
a, b = a + 1, a + b
print(a, b)
local f0, f1 = 0, 1
for _ = 1, 10 do f0, f1 = f1, f0 + f1 end
print(f0, f1)

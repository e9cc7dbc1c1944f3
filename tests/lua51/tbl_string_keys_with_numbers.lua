local t = {}
for i = 1, 3 do t["k" .. i] = i end
print(t.k1, t.k2, t.k3, t["k" .. 2.0])

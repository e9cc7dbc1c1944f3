local t = {}
for i = 1, 10 do t[#t + 1] = i end
print(#t)
t[#t] = nil; t[#t] = nil
print(#t)
table.insert(t, 99)
print(#t, t[#t])

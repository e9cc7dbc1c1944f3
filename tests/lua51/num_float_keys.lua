local t = {}
for x = 0.1, 0.5, 0.1 do t[#t + 1] = x end
print(#t, t[3], t[3] == 0.3, string.format("%.17g", t[3]))

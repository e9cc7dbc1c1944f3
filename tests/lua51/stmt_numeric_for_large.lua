local s = 0
for i = 1, 100000 do s = s + i end
print(s)
for i = 2^53 - 3, 2^53 - 1 do io.write(string.format("%.0f", i), " ") end print()

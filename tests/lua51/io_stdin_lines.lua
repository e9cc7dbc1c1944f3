local n, total = 0, 0
for line in io.lines() do n = n + 1; total = total + #line end
print(n, total)

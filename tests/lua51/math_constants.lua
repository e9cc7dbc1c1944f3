print(math.pi, math.huge, -math.huge, math.pi * 2)
print(string.format("%.17g", math.pi))

print(math.abs(-3), math.abs(3.5), math.ceil(3.2), math.ceil(-3.2), math.floor(3.8), math.floor(-3.8))
print(math.max(1, 5, 3), math.min(4, -2, 8), math.max(-1), math.min(2.5, 2.25), math.max(1, 2.5))
print(pcall(math.max))
print(pcall(math.min))

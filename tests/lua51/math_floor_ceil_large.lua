print(math.floor(1e100) == 1e100, math.ceil(2^60 + 0.5) == 2^60, math.floor(-2^53 - 0.5))
print(math.floor(0.5), math.floor(-0.0), math.ceil(-0.5))

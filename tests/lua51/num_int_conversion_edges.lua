print(math.floor(-0.5), math.ceil(-0.5), math.floor(2^53 + 0.5), math.floor(-2^63))
print(string.format("%d", 2^31), string.format("%d", -2^31), string.format("%d", 2^53))
print(string.format("%d", 3.99), string.format("%d", -3.99), string.format("%i", 1e10))

print(math.abs(-0.0), math.abs(-math.huge), math.abs(-2^63))

print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(7.5, 2), math.fmod(1, 0) ~= math.fmod(1, 0))
print(math.modf(3.7), math.modf(-3.7), math.modf(5), math.modf(-0.5))
print(math.modf(math.huge), math.modf(-math.huge))

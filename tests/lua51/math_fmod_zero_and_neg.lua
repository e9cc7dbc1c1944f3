print(math.fmod(-6, 3), math.fmod(6, -3), math.fmod(0, 5), math.fmod(5.5, 0.5))

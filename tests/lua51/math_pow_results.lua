print(math.pow(0, 0), math.pow(-2, 3), math.pow(-2, 0.5) ~= math.pow(-2, 0.5), math.pow(10, 20), math.pow(2, -1074))

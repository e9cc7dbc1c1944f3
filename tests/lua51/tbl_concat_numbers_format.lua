print(table.concat({0.1 + 0.2, 1e15, 1/3, -0.0, 2^63}, " "))

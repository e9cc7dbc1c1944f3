print(pcall(string.format, "%*d", 5, 1))

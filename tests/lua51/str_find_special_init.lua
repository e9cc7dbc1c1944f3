print(("abc"):find("b", 0), ("abc"):find("b", -2), ("abc"):find("b", 3), ("abc"):find("b", 2.7))

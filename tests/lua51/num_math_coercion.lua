print(math.floor("3.7"), math.max("10", 2), math.sqrt("16"), math.abs("-2"), math.fmod("7", "3"))
print(pcall(math.floor, "x"))

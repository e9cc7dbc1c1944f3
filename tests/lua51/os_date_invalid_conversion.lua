print(pcall(os.date, "!%Q", 0))
print(pcall(os.date, "!%E", 0))

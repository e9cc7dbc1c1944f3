print(pcall(math.floor))
print(pcall(math.sqrt, nil))
print(pcall(math.abs, {}))
print(pcall(math.fmod, 1))

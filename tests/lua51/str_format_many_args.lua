print(string.format("%d-%d-%d %s", 1, 2, 3, "x", "extra", "args"))
print(string.format("no specs", 1, 2))
print(string.format(""))

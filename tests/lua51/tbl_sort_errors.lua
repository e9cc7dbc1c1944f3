print(pcall(table.sort, {1, "a", 2}))
print(pcall(table.sort, {{}, {}}))

print(pcall(table.sort, {3, 1, 2}, function(a, b) error("cmp failed") end))

local t = {1, 2, 3}
table.insert(t, 4, "end")
print(table.concat(t, ","))
table.insert(t, #t + 1, "end2")
print(table.concat(t, ","))

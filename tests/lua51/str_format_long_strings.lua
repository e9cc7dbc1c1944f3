local long = string.rep("x", 200)
print(#string.format("%s", long), #string.format("%.5s", long), pcall(string.format, "%-300s", "a"))
print(pcall(string.format, "%10s", long))

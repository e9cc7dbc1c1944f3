print(pcall(string.rep, "x", -5))
print(#string.rep("ab", 1000000))

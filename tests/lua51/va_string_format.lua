local function fmt(...) return string.format(...) end
print(fmt("%d-%s", 1, "a"))
print(pcall(fmt))

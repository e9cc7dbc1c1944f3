local function last2(...) return select(-2, ...) end
print(last2(1, 2, 3, 4))
print(pcall(last2, 1))

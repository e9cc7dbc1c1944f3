print(string.match("hello 123", "%d+"), string.match("hello", "(h)(e)"), string.match("x", "y"))
print(string.match("2024-01-15", "(%d+)-(%d+)-(%d+)"))
print(string.match("  padded  ", "^%s*(.-)%s*$") .. "|")
print(string.match("hello", "()ll()"), string.match("abc", ".", -1), string.match("abc", "^b", 2))

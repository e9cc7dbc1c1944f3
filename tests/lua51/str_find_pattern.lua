print(string.find("hello 123 world", "%d+"), string.find("key=value", "(%w+)=(%w+)"))
print(string.find("  trim  ", "^%s*(.-)%s*$"), string.find("abc", "b()"))
print(string.find("", ".*"), string.find("aaa", "a-", 2), string.find("x", "^$"))

print(string.format("%s %10s %-10s| %.2s %5.1s|", "abc", "abc", "abc", "abc", "abc"))
print(string.format("%s %s", 1, 1.5), pcall(string.format, "%s", true), pcall(string.format, "%s", nil))
print(string.format("%s", 0.1 + 0.2), string.format("%s", 1e100), string.format("%s%%", 50))
print(string.format("[%s]", "a\0b"):byte(1, -1))

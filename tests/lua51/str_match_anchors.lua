print(string.match("abc", "^a"), string.match("abc", "^b"), string.match("abc", "c$"), string.match("abc", "b$"))
print(string.match("a$b", "a$b"), string.match("^a", "%^a"), string.match("abc", "a^"))

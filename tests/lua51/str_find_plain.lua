print(string.find("hello world", "o"), string.find("hello world", "o", 6), string.find("hello", "xyz"))
print(string.find("a.b.c", ".", 1, true), string.find("a+b", "+", 1, true), string.find("abc", "", 10))
print(string.find("abc", "", 4), string.find("abc", "", 3), string.find("abc", "c", -1), string.find("abc", "a", -10))

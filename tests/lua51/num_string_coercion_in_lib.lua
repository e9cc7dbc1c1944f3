print(string.rep("ab", "3"), ("x"):rep(2.0), string.sub("hello", "2", "3"), string.byte("A", "1"))
print(("%5.2f"):format("3.14"), string.format("%d", "42"), string.format("%x", "255"), string.char("65", 66))
print(string.len(12345), string.upper(1.5), string.lower(1e100), string.reverse(123))
print(string.find(12345, 34), string.match(3.14, "%d+"), string.gsub(1000, "0", "o"))

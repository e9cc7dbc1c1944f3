print(io.open("does/not/exist.tmp"))
print(io.open("nonexistent.tmp", "r"))
print(pcall(io.open, "x.tmp", "bogus"))
print(pcall(io.open))

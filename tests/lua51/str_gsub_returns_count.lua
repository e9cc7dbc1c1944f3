local s, n = ("aXbXc"):gsub("X", "-")
print(s, n)
print((("aXb"):gsub("X", "-")))
print(select('#', ("a"):gsub("a", "b")))

local t = {}
t[1] = "int"; t[1.0] = "float one"; t["1"] = "string"
print(t[1], t["1"])
t[2^53] = "big"
print(t[2^53])
t[-0] = "zero"
print(t[0])
print(pcall(function() t[nil] = 1 end))
print(pcall(function() t[0/0] = 1 end))
print(t[nil])

local a = 5
print(-a, - -a, -(-a), not a, #"x" + -1, -"2", - "0x10", -"1e1")
print(pcall(function() return -{} end))
print(pcall(function() return -"abc" end))

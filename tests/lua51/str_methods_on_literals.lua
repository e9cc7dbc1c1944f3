print(("%d items"):format(3), ("abc"):upper(), #("x"):rep(10), ("a,b"):find(",", 1, true))
local s = "test"
print(s:byte(1), s.len, s.len == string.len)

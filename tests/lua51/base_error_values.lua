print(pcall(error, nil))
print(pcall(error, 42))
print(pcall(error, true))
local t = {code = 7}
local ok, e = pcall(error, t)
print(ok, e == t, e.code)
print(pcall(error, 1.5, 1))

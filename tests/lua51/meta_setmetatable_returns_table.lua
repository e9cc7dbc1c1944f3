local t = {}
print(setmetatable(t, {}) == t)

local t = setmetatable({}, {__index = function(_, k) return type(k) end})
print(t[1], t["1"], t[1.5], t[true])

local f = setmetatable({}, {__call = function(self, ...) return select('#', ...), ... end})
print(f())
print(f(nil, nil))
print(pcall(f, 1, 2, 3))

local weak = setmetatable({}, {__mode = "k"})
local key = {}
weak[key] = 1
print(weak[key])

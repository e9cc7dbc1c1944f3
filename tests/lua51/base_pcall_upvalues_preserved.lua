local n = 0
local function inc() n = n + 1 end
pcall(function() error("x") end)
inc()
print(n)

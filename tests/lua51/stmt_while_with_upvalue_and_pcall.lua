local n = 0
local function inc() n = n + 1 end
local i = 0
while i < 3 do
  i = i + 1
  pcall(function() error("x") end)
  inc()
end
print(n)

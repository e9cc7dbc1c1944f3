local count = 0
local function bump() count = count + 1 end
for i = 1, 3 do
  pcall(function()
    pcall(function() bump(); error("inner") end)
    bump()
    error("outer")
  end)
  bump()
end
print(count)

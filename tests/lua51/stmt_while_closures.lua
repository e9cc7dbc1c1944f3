local fs = {}
local i = 1
while i <= 3 do
  local k = i
  fs[i] = function() return k end
  i = i + 1
end
print(fs[1](), fs[2](), fs[3]())

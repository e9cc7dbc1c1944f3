local fs = {}
local i = 0
while true do
  i = i + 1
  local captured = i
  fs[i] = function() return captured end
  if i == 3 then break end
end
print(fs[1](), fs[2](), fs[3]())

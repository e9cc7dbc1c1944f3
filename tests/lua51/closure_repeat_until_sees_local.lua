local i = 0
local fs = {}
repeat
  local x = i
  fs[#fs + 1] = function() return x end
  i = i + 1
until x >= 2
print(#fs, fs[1](), fs[3]())

local fs = {}
local i = 0
repeat
  local j = i
  fs[#fs + 1] = function() return j end
  i = i + 1
until j >= 3
for _, f in ipairs(fs) do io.write(f(), " ") end
print()

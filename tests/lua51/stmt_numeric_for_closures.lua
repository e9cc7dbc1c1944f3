local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
local gs = {}
for i = 1, 3 do
  local j = i * 2
  gs[i] = function() j = j + 1; return j end
end
print(gs[1](), gs[1](), gs[2](), gs[3]())

local fs = {}
for i = 1, 3 do
  fs[#fs + 1] = function() return i end
  local j = i
  fs[#fs + 1] = function() j = j + 10; return j end
end
local r = {}
for _, f in ipairs(fs) do r[#r + 1] = f() end
print(table.concat(r, " "))

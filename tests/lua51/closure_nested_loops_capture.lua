local fs = {}
for i = 1, 2 do
  for j = 1, 2 do
    fs[#fs + 1] = function() return i * 10 + j end
  end
end
local r = {}
for _, f in ipairs(fs) do r[#r + 1] = f() end
print(table.concat(r, ","))

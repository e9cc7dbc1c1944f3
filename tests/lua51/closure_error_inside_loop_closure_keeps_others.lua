local acc = {}
local function add(x) acc[#acc + 1] = x end
for i = 1, 4 do
  local ok = pcall(function() if i == 2 then error("x") end add(i) end)
end
add("end")
print(table.concat(acc, ","))

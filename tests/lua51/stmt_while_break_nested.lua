local found
local i = 0
while true do
  i = i + 1
  local j = 0
  while true do
    j = j + 1
    if j > i then break end
    if i * j == 12 then found = i .. "x" .. j; break end
  end
  if found then break end
end
print(found)

for i = 1, 3 do
  local t
  if i == 2 then t = {} end
  io.write(type(t), " ")
end
print()
local i = 0
while i < 3 do
  i = i + 1
  local v
  io.write(tostring(v), " ")
  v = i
end
print()

local fs = {}
for i = 1, 5 do
  local x = i
  fs[#fs + 1] = function() return x end
  if i == 2 then break end
end
print(#fs, fs[1](), fs[2]())

local vals = {false, 0, "", "x", {}}
for i = 1, 5 do
  if vals[i] then print(i, "true") else print(i, "false") end
end
if nil then print("nil true") else print("nil false") end

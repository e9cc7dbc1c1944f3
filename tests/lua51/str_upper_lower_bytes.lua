local s = ""
for i = 0, 255 do s = s .. string.char(i) end
local u, l = s:upper(), s:lower()
local du, dl = 0, 0
for i = 1, 256 do if u:byte(i) ~= s:byte(i) then du = du + 1 end if l:byte(i) ~= s:byte(i) then dl = dl + 1 end end
print(du, dl, #u, #l)

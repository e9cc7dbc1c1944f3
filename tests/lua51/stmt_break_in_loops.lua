for i = 1, 10 do if i == 4 then break end io.write(i, " ") end print()
for _, v in ipairs({5, 6, 7}) do if v == 6 then break end io.write(v, " ") end print()
local n = 0
repeat n = n + 1; if n == 3 then break end until false
print(n)

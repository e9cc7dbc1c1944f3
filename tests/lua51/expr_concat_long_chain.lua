local parts = {}
for i = 1, 20 do parts[i] = i end
local s = ""
for i = 1, 20 do s = s .. parts[i] .. (i < 20 and "," or "") end
print(s)
print(1 .. 2 .. 3 .. 4 .. 5 .. 6 .. 7 .. 8 .. 9 .. 10)

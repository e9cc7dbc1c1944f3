print(#"", #"abc", #"\0\0", #{}, #{1, 2, 3}, #{n = 1}, #{1, 2, nil})
local t = {}
for i = 1, 100 do t[i] = i end
print(#t)
t[#t] = nil
print(#t)

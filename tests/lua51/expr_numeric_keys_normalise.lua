local t = {}
t[3] = "a"
t["3"] = "b"
t[3.0] = "c"
print(t[3], t["3"])
local n = 0
for k, v in pairs(t) do n = n + 1 end
print(n)

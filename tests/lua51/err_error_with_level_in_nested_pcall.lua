local function check(v) if type(v) ~= "number" then error("bad value: " .. tostring(v), 2) end return v end
local function use(v) return check(v) end
print(pcall(use, 1))
print(pcall(use, "x"))
print(pcall(check, "y"))
print(select(2, pcall(error, "lvl3", 3)))

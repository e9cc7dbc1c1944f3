print(getmetatable("").__index == string, ("x").upper == string.upper)
string.shout = function(s) return s:upper() .. "!" end
print(("hey"):shout())

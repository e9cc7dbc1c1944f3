local calls = 0
local old = tostring
tostring = function(v) calls = calls + 1; return "<" .. old(v) .. ">" end
print(1, "a", nil)
tostring = old
print(calls)

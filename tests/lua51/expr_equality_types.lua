local t = {}
print(t == t, t == {}, print == print, nil == false, 0 == false, "1" == 1)
local f1 = function() end
local f2 = function() end
print(f1 == f1, f1 == f2)

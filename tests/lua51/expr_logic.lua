print(nil or "default", false or nil, 0 or 1, "" and "yes", nil and 1, false and error("x"))
print(1 and 2 or 3, nil and 2 or 3, false or false, not nil, not 0, not not "")
local x = nil
print(x and x.y or "safe")

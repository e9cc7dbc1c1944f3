print(tostring(nil), tostring(true), tostring(false), tostring(123), tostring("s"))
print(tostring(print):match("^function: ") ~= nil, tostring({}):match("^table: 0x%x+$") ~= nil)
print(pcall(tostring))

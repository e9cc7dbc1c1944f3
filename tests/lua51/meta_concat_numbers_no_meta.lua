local mt = {__concat = function(a, b) return "meta" end}
print(1 .. 2, setmetatable({}, mt) .. 3)

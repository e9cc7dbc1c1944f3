local mt = {__unm = function(x) return "negated" end}
print(-setmetatable({}, mt))

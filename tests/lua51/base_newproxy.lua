local p = newproxy(true)
getmetatable(p).__index = function(_, k) return "proxy " .. k end
print(p.x, type(p))
local q = newproxy(p)
print(q.y, getmetatable(q) == getmetatable(p))
print(newproxy(false) ~= nil, getmetatable(newproxy(false)))

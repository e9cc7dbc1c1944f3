local t1, t2 = {}, {}
setmetatable(t1, {__index = t2})
setmetatable(t2, {__index = t1})
local ok, e = pcall(function() return t1.x end)
print(ok, (tostring(e):gsub("^.-:%d+: ", "")))

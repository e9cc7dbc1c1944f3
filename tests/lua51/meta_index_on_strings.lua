local mt = getmetatable("")
local old = mt.__index
mt.__index = function(s, k)
  if type(k) == "number" then return string.sub(s, k, k) end
  return old[k]
end
print(("hello")[2], ("hello"):upper())
mt.__index = old

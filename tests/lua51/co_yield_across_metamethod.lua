local mt = {__index = function(t, k) return coroutine.yield(k) end}
local co = coroutine.create(function()
  local t = setmetatable({}, mt)
  return t.key
end)
local ok, v = coroutine.resume(co)
print(ok, v == "key" or (tostring(v):gsub("^.-:%d+: ", "")))

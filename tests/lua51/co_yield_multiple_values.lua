local co = coroutine.create(function(...)
  local a = {coroutine.yield(...)}
  return select('#', unpack(a)), unpack(a)
end)
print(coroutine.resume(co, 1, nil, 3))
print(coroutine.resume(co, "x", nil))

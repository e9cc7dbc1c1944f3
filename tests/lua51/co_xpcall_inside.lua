local co = coroutine.create(function()
  return xpcall(function() error("e") end, function(m) return "H:" .. m end)
end)
print(coroutine.resume(co))

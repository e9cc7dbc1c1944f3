local co1, co2
co1 = coroutine.create(function()
  coroutine.resume(co2)
end)
co2 = coroutine.create(function()
  print(coroutine.status(co1), coroutine.status(co2))
end)
coroutine.resume(co1)
print(coroutine.status(co1), coroutine.status(co2))

local gen = coroutine.wrap(function()
  local ok, err = pcall(function() coroutine.yield(1) end)
  coroutine.yield(ok and "ok" or err)
  return "end"
end)
print(gen())
print(gen())
print(pcall(gen))

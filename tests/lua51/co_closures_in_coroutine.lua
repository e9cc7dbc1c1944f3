local makers = {}
local co = coroutine.wrap(function()
  for i = 1, 3 do
    local v = i * 100
    makers[i] = function() v = v + 1; return v end
    coroutine.yield()
  end
end)
co(); co(); co()
print(makers[1](), makers[2](), makers[3](), makers[1]())

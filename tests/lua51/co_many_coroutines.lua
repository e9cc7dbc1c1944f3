local cos = {}
for i = 1, 200 do
  cos[i] = coroutine.create(function(x) local y = coroutine.yield(x * 2) return x + y end)
end
local sum = 0
for i = 1, 200 do local _, v = coroutine.resume(cos[i], i); sum = sum + v end
for i = 1, 200 do local _, v = coroutine.resume(cos[i], 1); sum = sum + v end
print(sum)

print(type(nil), type(true), type(1), type("s"), type({}), type(print), type(function() end), type(coroutine.create(function() end)))
print(pcall(coroutine.create, print))
print(pcall(type))
print(type(newproxy()), type(io.stdout))

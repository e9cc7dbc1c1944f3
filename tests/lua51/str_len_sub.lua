local s = "hello world"
print(s:len(), #s, s:sub(1, 5), s:sub(7), s:sub(-5), s:sub(-5, -2), s:sub(0), s:sub(100))
print(s:sub(3, 2), s:sub(-100, 3), s:sub(5, -100), s:sub(2, 2), ("x"):sub(1, 1), s:sub(-1, -1))
print(s:sub(1.9, 3.1), s:sub(-0.5))

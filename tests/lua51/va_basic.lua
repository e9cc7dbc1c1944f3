local function f(...) return ... end
print(f())
print(f(1))
print(f(1, nil, 3))
print((f(1, 2, 3)))

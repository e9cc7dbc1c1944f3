local function f() return 1, 2 end
print(f() and f())
print(nil or f())
print((f() or 3))

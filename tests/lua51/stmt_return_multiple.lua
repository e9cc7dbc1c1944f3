local function f() return 1, 2, 3 end
local function g() return f() end
local function h() return (f()) end
local function k() return f(), 10 end
print(g())
print(h())
print(k())
print(({f()})[3], #{f()}, #{f(), f()}, #{(f())})

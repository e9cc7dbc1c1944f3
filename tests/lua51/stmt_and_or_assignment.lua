local function f() return false end
local function conver(str)
  str = f() and str or str
  return type(str)
end
print(conver("main"))
local function test(foo)
  local should_not_change
  foo = (foo or "bar")
  return type(should_not_change), foo
end
print(test(nil))

local function check(x)
  if type(x) ~= "number" then
    error("expected a number", 2)
  end
  return x
end
local function user()
  return check("oops")
end
print(pcall(user))
local ok, msg = pcall(function()
  check({})
end)
print(ok, msg)

local function make(...)
  local args = {...}
  return function() return unpack(args) end
end
print(make(1, 2, 3)())

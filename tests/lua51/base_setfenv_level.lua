local function inner()
  setfenv(2, {print = print, tag = "changed"})
end
local function outer()
  inner()
  return tag
end
print(outer())

local t = {}
for k, v in pairs({a = 1}) do
  if false then local unused = v end
  t[#t + 1] = k .. v
end
print(t[1])
local function f() return 1 end
for _, v in ipairs({10, 20}) do
  if nil then local y, z = 1, 2 end
  print(v + f())
end
print("end")

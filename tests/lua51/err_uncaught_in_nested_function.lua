local function a() local x = {} ; return x.y.z end
local function b() return a() end
print("start")
b()

local function rec() return 1 + rec() end
print("before")
rec()

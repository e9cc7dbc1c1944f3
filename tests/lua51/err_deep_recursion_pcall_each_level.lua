local function depth(n) if n == 0 then return 0 end local ok, v = pcall(depth, n - 1) return 1 + v end
print(depth(150))

local xs = {"0.1", "1e5", "1e15", "1e16", "12345678901234567890", "0x7fffffff", "1e-7", ".5e-3", "  3  ", "0x1P-2"}
for _, s in ipairs(xs) do local n = tonumber(s) io.write(s, " -> ", tostring(n), " -> ", tostring(tonumber(tostring(n))), "\n") end

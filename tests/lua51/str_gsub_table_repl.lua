local vars = {name = "Lua", version = 5.1, flag = false}
print(("$name $version $missing"):gsub("%$(%w+)", vars))
print(pcall(string.gsub, "$flag", "%$(%w+)", {flag = true}))
print(pcall(string.gsub, "abc", "%w", {a = 1, b = true}))
print(("abc"):gsub("%w", {a = 1, b = false}))

local function keys(t) local r = {} for k in pairs(t) do r[#r + 1] = k end table.sort(r) return table.concat(r, " ") end
print("string: " .. keys(string))
print("table: " .. keys(table))
print("math: " .. keys(math))
print("os: " .. keys(os))
print("io: " .. keys(io))
print("coroutine: " .. keys(coroutine))
print("debug: " .. keys(debug))
print("package: " .. keys(package))

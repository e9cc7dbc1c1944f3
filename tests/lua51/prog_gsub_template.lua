local tpl = "Hello ${name}, you are ${age} years old; ${unknown} stays."
local vals = {name = "Ada", age = 36}
print((tpl:gsub("%${(%w+)}", function(k) return vals[k] and tostring(vals[k]) end)))

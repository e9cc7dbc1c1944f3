local function try(code) local f, e = loadstring(code); print((e or "ok"):match("^(.-:%d+:)")) end
try("\n\n\nx = ")
try("x = 1\ny = \nz = 3 +")
try("--[[ comment\n\n]] x =")
try("s = [[\n\n\n]] +")

print(type(debug.traceback()), debug.traceback("msg"):match("^msg\nstack traceback:\n") ~= nil)
print(debug.traceback(nil), debug.traceback(42):match("^42\nstack traceback:\n") ~= nil, type(debug.traceback({})))
local function inner() return debug.traceback("here", 1) end
print((inner():match("^here\nstack traceback:\n\t[^\n]*dbg_traceback_type.lua:3: in function 'inner'")) ~= nil)

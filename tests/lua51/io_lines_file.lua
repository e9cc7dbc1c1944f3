local f = assert(io.open("l.tmp", "w"))
f:write("a\nb\n\nc")
f:close()
for line in io.lines("l.tmp") do io.write("[", line, "]") end
print()
local g = assert(io.open("l.tmp"))
for line in g:lines() do io.write("<", line, ">") end
print()
print(io.type(g))
g:close()
print(pcall(io.lines, "missing.tmp"))
os.remove("l.tmp")

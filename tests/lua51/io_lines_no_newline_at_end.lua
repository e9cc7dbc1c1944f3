local f = assert(io.open("e.tmp", "w")); f:write("x\ny"); f:close()
local t = {}
for l in io.lines("e.tmp") do t[#t + 1] = l end
print(#t, t[1], t[2])
os.remove("e.tmp")

local f = assert(io.open("crlf.tmp", "wb"))
f:write("a\r\nb\r\n")
f:close()
for line in io.lines("crlf.tmp") do io.write(#line, " ") end
print()
os.remove("crlf.tmp")

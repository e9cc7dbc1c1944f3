print(io.type(io.stdout), io.type(io.stdin), io.type(42), io.type(nil), io.type({}))
print(tostring(io.stdout):match("^file %(0x%x+%)$") ~= nil)

local f = io.write("chain ")
f:write("works\n")
print(io.stdout:write("method ") == io.stdout)

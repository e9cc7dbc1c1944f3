io.write("before flush")
io.flush()
io.stdout:flush()
print(io.flush() == io.stdout or io.flush())

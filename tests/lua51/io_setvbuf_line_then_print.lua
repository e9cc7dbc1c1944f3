io.stdout:setvbuf("line")
io.write("partial ")
print("then print")
io.write("end\n")

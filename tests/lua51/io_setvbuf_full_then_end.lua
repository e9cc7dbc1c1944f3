io.stdout:setvbuf("full")
io.write("A\n")
io.write("B without newline")

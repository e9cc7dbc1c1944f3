io.write("partial line without newline")
io.write(" and more")
error("stop")

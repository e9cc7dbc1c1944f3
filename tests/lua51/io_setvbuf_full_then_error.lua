io.stdout:setvbuf("full")
io.write("buffered before error\n")
error("fail after buffering")

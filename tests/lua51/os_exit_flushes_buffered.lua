io.stdout:setvbuf("full")
io.write("buffered text\n")
os.exit(0)

print("a\0b", 1e15, -0.0 * 1, 2^31)
io.write("a\0b\n")

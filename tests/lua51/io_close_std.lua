print(pcall(io.close))

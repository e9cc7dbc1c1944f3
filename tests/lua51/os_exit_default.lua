io.write("no newline before exit")
os.exit()

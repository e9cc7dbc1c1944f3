io.stderr:write("to stderr\n")
print(io.stderr:write("") == io.stderr)

local old = io.output()
io.output("o.tmp")
io.write("to file\n")
print("print still goes to stdout")
io.close()
io.output(old)
io.write("back to stdout\n")
for l in io.lines("o.tmp") do print("file had: " .. l) end
os.remove("o.tmp")

local co = coroutine.wrap(function() io.write("in co\n") os.exit(5) end)
co()
print("not reached")

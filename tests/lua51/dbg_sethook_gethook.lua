print(debug.gethook())

print("x")
os.exit(false == true and 0 or 2)

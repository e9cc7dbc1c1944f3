print(os.difftime(10, 5), os.difftime(5, 10), os.difftime(100), type(os.difftime(os.time(), os.time())))

print(os.date("!Year %Y, day %j; 100%% sure", 1e9))
print(os.date("!", 0) == "", os.date("!no specs", 0))

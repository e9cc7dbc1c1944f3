print(("Hello"):upper(), ("Hello"):lower(), ("Hello"):reverse(), ("ab"):rep(3), ("ab"):rep(0), ("ab"):rep(-1))
print(("x"):rep(3, ","), ("\0a"):upper():byte(1, 2))

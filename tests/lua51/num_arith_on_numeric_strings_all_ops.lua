local s = "6"
print(s + 1, s - 1, s * 2, s / 4, s % 4, s ^ 2, -s, "0x10" * 1, " 2 " ^ " 3 ")

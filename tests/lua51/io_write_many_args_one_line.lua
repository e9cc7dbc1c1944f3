for i = 1, 5 do io.write("row ", i, ": ", i * 1.5, " ", i / 3, "\n") end

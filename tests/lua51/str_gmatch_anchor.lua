-- in Lua 5.1 gmatch has no anchor: ^ matches a literal only at the start of each try
for m in ("^a^b"):gmatch("^%a") do io.write(m, ",") end print()

local a = 1; local b = 2; print(a + b);
do local c = 3; end
for i = 1, 2 do io.write(i, ";") end; print();

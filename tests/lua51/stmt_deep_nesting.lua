local s = 0
for a = 1, 3 do
  for b = 1, 3 do
    for c = 1, 3 do
      if (a + b + c) % 2 == 0 then
        while true do
          repeat s = s + a * b * c until true
          break
        end
      end
    end
  end
end
print(s)

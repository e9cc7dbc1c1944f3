local function classify(n)
  if n < 0 then return "neg"
  elseif n == 0 then return "zero"
  elseif n < 10 then return "small"
  else return "big" end
end
for _, n in ipairs({-5, 0, 3, 10, 100}) do print(n, classify(n)) end

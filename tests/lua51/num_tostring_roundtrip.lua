for _, x in ipairs({0.1, 1/3, 123.456, 1e-10, 2^40, 1e15 + 0.5, 6.02e23}) do
  print(x, tonumber(tostring(x)) == x, string.format("%.17g", x))
end

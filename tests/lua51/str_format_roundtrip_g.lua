for _, x in ipairs({0.1, 1/3, 2/3, 1e100, 123456.789, 1e-300, 5e-324, 2^63, -2^63}) do
  io.write(string.format("%.14g %.17g %g %e|", x, x, x, x), "\n")
end

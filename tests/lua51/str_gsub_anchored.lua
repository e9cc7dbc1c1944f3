print(("hello hello"):gsub("^hello", "bye"), ("  x  "):gsub("^%s+", ""), ("abc"):gsub("^", ">"))
print(("abc"):gsub("$", "<"), ("abc"):gsub(".-", "-"))

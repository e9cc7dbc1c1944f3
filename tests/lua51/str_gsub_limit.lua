print(("aaaa"):gsub("a", "b", 0), ("aaaa"):gsub("a", "b", 2), ("aaaa"):gsub("a", "b", -1), ("aaaa"):gsub("a", "b", 2.5))

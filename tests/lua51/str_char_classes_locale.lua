print(("\192\233"):match("%a") == nil, ("\233"):upper() == "\233")

print(("aaa"):match("a*"), ("aaa"):match("a-"), ("aaa"):match("a+"), ("aaa"):match("a?"), ("baaa"):match("ba-$"))
print(("<a><b>"):match("<.*>"), ("<a><b>"):match("<.->"), ("abc"):match("x*"), ("color colour"):gsub("colou?r", "C"))

print(("hello world"):match("[aeiou]+"), ("hello"):match("[^aeiou]+"), ("a-b"):match("[%-]"), ("x]y"):match("[]]"))
print(("ABCdef"):match("[A-Z]+"), ("abc123"):match("[%a%d]+"), ("a^b"):match("[%^b]+"), ("x-y"):match("[x-]+"))
print(("test"):match("[^%s]+"), ("]"):match("[^]]"), ("a]"):match("[^]]"))

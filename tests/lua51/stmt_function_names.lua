local obj = {a = {b = {}}}
function obj.a.b.f(x) return x + 1 end
function obj.a.b:m(x) return self == obj.a.b, x end
print(obj.a.b.f(1), obj.a.b:m(5))
function globalf() return "g" end
print(globalf())

local a
function Use_a()
  return a("test")
end
pcall(function()
  error('an error')
end)
a = function(prompt)
  return "called with " .. prompt
end
print(Use_a())

local function outer()
  local x = 1
  return function()
    return function() x = x + 1; return x end
  end
end
local mid = outer()
local a, b = mid(), mid()
print(a(), b(), a())

math.randomseed(42)
local ok = true
for i = 1, 1000 do
  local r = math.random()
  if r < 0 or r >= 1 then ok = false end
  local n = math.random(10)
  if n < 1 or n > 10 or n ~= math.floor(n) then ok = false end
  local m = math.random(-5, 5)
  if m < -5 or m > 5 or m ~= math.floor(m) then ok = false end
end
print(ok)
print(pcall(math.random, 0))
print(pcall(math.random, 3, 1))
print(math.random(1, 1), math.random(7, 7))

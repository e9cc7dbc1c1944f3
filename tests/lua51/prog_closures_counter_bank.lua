local function account(balance)
  return {
    deposit = function(v) balance = balance + v end,
    withdraw = function(v) if v > balance then error("insufficient funds", 2) end balance = balance - v end,
    balance = function() return balance end,
  }
end
local a = account(100)
a.deposit(50)
print(pcall(a.withdraw, 500))
a.withdraw(30)
print(a.balance())

local Account = {balance = 0}
Account.__index = Account
function Account.new(b) return setmetatable({balance = b}, Account) end
function Account:deposit(v) self.balance = self.balance + v; return self end
function Account:get() return self.balance end
local a = Account.new(100)
print(a:deposit(50):deposit(25):get())
print(Account.get(a))

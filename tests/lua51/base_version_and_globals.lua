print(_VERSION, _G._G == _G, _G.print == print, type(_G))
-- expool adds its own globals; they are left out here
local expool = {Job = 1, Task = 1, ExecPool = 1, PIPE = 1, STDOUT = 1, DEVNULL = 1, cpu_count = 1, EXPOOL = 1}
local names = {}
for k in pairs(_G) do if not expool[k] then names[#names + 1] = k end end
table.sort(names)
print(table.concat(names, " "))

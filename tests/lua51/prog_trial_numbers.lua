local trials = {"trial_007", "trial_010", "trial_099"}
local sum = 0
for _, t in ipairs(trials) do sum = sum + t:match("_(%d+)$") end
print(sum)

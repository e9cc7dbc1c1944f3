local output = "epoch 1 loss 0.5\nepoch 2 loss 1e-05\nepoch 3 loss 3.2e-4\naccuracy 0.95"
local losses = {}
for e, l in output:gmatch("epoch (%d+) loss (%S+)") do losses[#losses + 1] = tonumber(l) end
print(#losses, losses[1], losses[2], losses[3], losses[2] < losses[3])
print(tonumber(output:match("accuracy (%S+)")) * 100)

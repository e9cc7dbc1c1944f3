local pool = {}
for lr = 0.1, 0.5, 0.1 do
  for bs = 16, 64, 16 do
    pool[#pool + 1] = "lr_" .. lr .. "_bs_" .. bs
  end
end
print(#pool, pool[1], pool[#pool], pool[9])

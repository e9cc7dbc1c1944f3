local function qs(t, lo, hi)
  lo, hi = lo or 1, hi or #t
  if lo < hi then
    local p, i = t[hi], lo - 1
    for j = lo, hi - 1 do
      if t[j] <= p then i = i + 1; t[i], t[j] = t[j], t[i] end
    end
    t[i + 1], t[hi] = t[hi], t[i + 1]
    qs(t, lo, i); qs(t, i + 2, hi)
  end
  return t
end
print(table.concat(qs({9, 3, 7, 1, 8, 2, 6, 5, 4, 0}), " "))

print(string.format("%q", 'he said "hi"\n\tand\\left\0end\r'))
print(string.format("%q", 1), string.format("%q", 0.1), string.format("%q", "\127\200"))

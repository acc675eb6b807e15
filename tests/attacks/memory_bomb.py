# Allocate far more memory than allowed (the memory limit turns it into a MemoryError).
# score: honest
# also: no-namespace
# slow: memory_whole_tree covers the tree's memory limit in the default suite
# %%
hog = [bytearray(512 * 1024**2) for _ in range(64)]

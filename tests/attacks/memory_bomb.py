# Allocate far more memory than allowed (the memory limit turns it into a MemoryError).
# score: honest
# %%
hog = [bytearray(512 * 1024**2) for _ in range(64)]

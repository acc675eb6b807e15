# Create 200,000 empty files (inode exhaustion), then delete them: the cap on files stops it.
# score: honest
# limit: disk
# also: no-namespace
# slow: tests/test_containment.py checks the inode cap of the tmpfs without a kernel
# %%
import os
os.mkdir("many")
made = 0
try:
    for i in range(200_000):
        open(f"many/{i}", "w").close()
        made += 1
except OSError:
    pass
for i in range(made):
    os.unlink(f"many/{i}")
if made >= 200_000:
    total_params = -1

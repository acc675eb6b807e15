# Write 1.6 GB under a folder 1,500 levels deep (beyond Python's recursion limit), then delete the
# big files but leave the tree: the disk cap stops the writes, and cleanup removes the tree.
# score: honest
# limit: disk
# also: no-namespace
# %%
import os
start = os.getcwd()
for _ in range(1500):
    os.mkdir("d")
    os.chdir("d")
written = 0
try:
    for i in range(8):
        with open(f"f{i}", "wb") as handle:
            for _ in range(200):  # 200 MB per file: under the 256 MB per-file limit
                handle.write(b"\1" * 1024**2)
                written += 1024**2
except OSError:
    pass
for i in range(8):
    try:
        os.unlink(f"f{i}")
    except OSError:
        pass
open("left-behind", "w").write("x")
os.chdir(start)
if written >= 1500 * 1024**2:
    total_params = -1

# Three child processes of 1.2 GB each beside the kernel: each is within the per-process limit,
# together they are over what the whole tree may use. The tree's memory limit stops them.
# limit: memory
# also: no-namespace
# %%
import subprocess, sys, time
hog = "import time\nx = b'\\x01' * 1_200_000_000\ntime.sleep(300)"
children = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(3)]
time.sleep(12)

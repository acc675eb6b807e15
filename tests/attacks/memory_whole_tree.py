# Three child processes of 1.2 GB each beside the kernel: each is within the per-process limit,
# together they are over what the whole tree may use. The tree's memory limit stops them (a
# control group kills a child; the watchdog ends the whole tree).
# limit: memory
# also: no-namespace
# %%
import subprocess, sys, time
hog = "import time\nx = b'\\x01' * 1_200_000_000\nprint('full', flush=True)\ntime.sleep(300)"
children = [subprocess.Popen([sys.executable, "-c", hog], stdout=subprocess.PIPE, text=True) for _ in range(3)]
full = [child.stdout.readline() for child in children]  # each says 'full' once it holds its 1.2 GB, or '' if killed
time.sleep(2)

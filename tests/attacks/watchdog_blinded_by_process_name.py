# A process name that is not UTF-8 (one write to /proc/self/comm: any 15 bytes are allowed) shows
# raw in /proc/PID/status and /proc/PID/stat. The grader reads those as text: UnicodeDecodeError
# is no OSError, so every sample of the tree raises ("a sample failed") and the tree is never
# measured; ending the tree and its background processes walks /proc the same way.
# Then three children of 1.2 GB each beside the kernel (as memory_whole_tree): the tree's memory
# limit must stop them, and nothing may be left behind.
# limit: memory
# also: no-namespace
# also: docker
# %%
import subprocess, sys, time
open("/proc/self/comm", "wb").write(b"\xff\xfe")
hog = "import time\nx = b'\\x01' * 1_200_000_000\nprint('full', flush=True)\ntime.sleep(300)"
children = [subprocess.Popen([sys.executable, "-c", hog], stdout=subprocess.PIPE, text=True) for _ in range(3)]
full = [child.stdout.readline() for child in children]
time.sleep(2)

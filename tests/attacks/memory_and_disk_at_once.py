# Both watchdogs hit at once: three children of 1.2 GB each (over the tree's 2.5 GB) while four
# threads write 1.6 GB. The first hit (the disk's: it samples 25 times as often) ends the tree and
# is reported once; nothing is left behind.
# limit: disk
# also: docker
# slow: memory_whole_tree and disk_deep_tree cover each limit on the default path
# %%
import os, subprocess, sys, threading, time
hog = "import time\nx = b'\\x01' * 1_200_000_000\ntime.sleep(300)"
children = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(3)]
def write(i):
    block = b"\1" * (50 * 1024**2)
    with open(f"both-{i}", "wb") as handle:
        for _ in range(8):
            handle.write(block)
threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
time.sleep(3)

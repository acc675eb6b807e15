# In the no-namespace path the kernel runs as the grader's own user wherever the Python
# installation is not readable by others (this machine: /root is 0700, and the engine tests
# grade there as root). As root it moves itself into the root control group, then three
# children of 1.2 GB each (3.6 GB together) run outside the grading's 2.5 GB limit: no OOM kill,
# no watchdog (the group's limits were "applied", so none is started). Expected: the tree cannot
# leave its group (a kernel never runs as root, or the grading refuses), and the limit acts.
# limit: memory
# absent: ESCAPED
# also: no-namespace
# slow: memory_whole_tree covers the group in the default suite
# %%
import os, subprocess, sys, time
moved = []
for hierarchy in ("memory", "pids", "cpu", "cpuacct", "unified", "systemd"):
    try:
        with open(f"/sys/fs/cgroup/{hierarchy}/cgroup.procs", "w") as procs:
            procs.write(str(os.getpid()))
        moved.append(hierarchy)
    except OSError:
        pass
hog = "import time\nx = b'\\x01' * 1_200_000_000\nprint('full', flush=True)\ntime.sleep(300)"
children = [subprocess.Popen([sys.executable, "-c", hog], stdout=subprocess.PIPE, text=True) for _ in range(3)]
full = [child.stdout.readline() for child in children]  # '' if a child was killed
time.sleep(2)
if moved and all(full):
    raise RuntimeError(f"ESCAPED: uid {os.getuid()} moved to the root group of {moved}; 3.6 GB held")

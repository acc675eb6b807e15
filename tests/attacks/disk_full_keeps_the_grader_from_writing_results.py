# A daemon in a session of its own, named with bytes that are not UTF-8, fills the filesystem the
# grader writes its results to (on Docker: the container's disk, which holds /tmp and the results
# folder; here the grading folder's filesystem) and keeps it full. The disk watchdog's hit cannot
# end it (listing the tree raises UnicodeDecodeError), so neither can the cleanup after grading:
# the grader must still end the tree and write its results (here: tests.platforms prints its JSON).
# limit: disk
# also: docker
# %%
import subprocess, sys, time
daemon = r'''
import os, time
open("/proc/self/comm", "wb").write(b"\xff\xfe")
block, end, n, held = b"\1" * (16 * 1024**2), time.time() + 60, 0, []
while time.time() < end:  # fill for a minute at most; files stay open, so deleting them frees nothing
    try:
        handle = open(f"/tmp/fill-{os.getpid()}-{n}", "wb")
        held.append(handle)
        n += 1
        for _ in range(15):
            handle.write(block)
            handle.flush()
    except OSError:
        time.sleep(0.01)
for name in os.listdir("/tmp"):
    if name.startswith(f"fill-{os.getpid()}-"):
        os.unlink(f"/tmp/{name}")
'''
subprocess.Popen([sys.executable, "-c", daemon], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(15)

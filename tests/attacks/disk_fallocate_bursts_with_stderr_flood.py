# The fastest way to take disk: fallocate (pages reserved, never written), six threads of 250 MB
# files (1.5 GB together) meeting at a barrier and deleting them, ten times, while another thread
# floods the kernel's stderr (a pipe the grader drains on a thread of its own, beside the
# watchdog's): the disk watchdog must still see a burst and end the tree.
# absent: ESCAPED
# limit: disk
# also: docker
# slow: disk_deep_tree covers the disk cap on the default path
# %%
import os, threading
stop = threading.Event()
def flood():
    line = b"x" * (1024**2)
    while not stop.is_set():
        try:
            os.write(2, line)
        except OSError:
            pass
threading.Thread(target=flood, daemon=True).start()
barrier, done = threading.Barrier(6), []
def burst(i, rounds=10):
    for _ in range(rounds):
        fd = os.open(f"burst-{i}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.posix_fallocate(fd, 0, 250 * 1024**2)
        os.close(fd)
        barrier.wait()
        os.unlink(f"burst-{i}")
        barrier.wait()
    done.append(i)
threads = [threading.Thread(target=burst, args=(i,)) for i in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
stop.set()
if len(done) == 6:
    raise RuntimeError("ESCAPED: 10 fallocate bursts of 1.5 GB went unseen")

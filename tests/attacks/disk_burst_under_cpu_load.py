# 1.25 GB held for an instant, then deleted, again and again, while 150 busy shell loops compete
# for the two cores with the grader's disk watchdog (sampling every 20 ms, no CPU share of its own
# on Docker): five writer threads of 250 MB each (under the 256 MB per-file limit) meet at a
# barrier with their files whole, then delete them. The tree must be ended for the disk.
# absent: ESCAPED
# limit: disk
# slow: 150 busy processes; disk_deep_tree covers the disk cap on the default path
# also: docker
# %%
import os, subprocess, threading
spinners = [subprocess.Popen(["/bin/sh", "-c", "while :; do :; done"]) for _ in range(150)]
block = b"\1" * (50 * 1024**2)
barrier, done = threading.Barrier(5), []
def writer(i, rounds=10):
    for _ in range(rounds):
        fd = os.open(f"burst-{i}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        for _ in range(5):
            os.write(fd, block)
        os.close(fd)
        barrier.wait()
        os.unlink(f"burst-{i}")
        barrier.wait()
    done.append(i)
writers = [threading.Thread(target=writer, args=(i,)) for i in range(5)]
for w in writers:
    w.start()
for w in writers:
    w.join()
for s in spinners:
    s.kill()
if len(done) == 5:
    raise RuntimeError("ESCAPED: 10 bursts of 1.25 GB held at once went unseen")

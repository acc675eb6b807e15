# Without namespaces the disk bound is per filesystem: the working folder is the grading's 1 GB
# tmpfs, and the watchdog ends the tree only when ONE other watched filesystem grew by more than
# 1 GB. So 0.9 GB in the working folder plus 0.9 GB in /var/tmp (the host's disk) is 1.8 GB of
# disk held at once, and nothing acts (the record's disk_used_bytes shows only the box).
# Expected: what the tree writes is bounded in total (the watchdog sums the box and every shared
# filesystem it can write to). The file outside is removed by the notebook itself (as root it
# would otherwise stay: see no_namespace_root_daemon_survives).
# absent: ESCAPED
# also: no-namespace
# also: docker
# hole: docker: without a mount namespace the machine's shared temporary folders are not bounded (a watch of their whole filesystems ended honest gradings beside)
# %%
import os, time
outside = next((f for f in ("/var/tmp", "/run/lock", "/tmp") if os.access(f, os.W_OK)), "/tmp")
# five files of 180 MB in each place (a file may not pass 256 MB: RLIMIT_FSIZE)
paths = [f"{folder}/autograder-review2-fill-{os.getpid()}-{i}" for folder in (".", outside) for i in range(5)]
held, same_fs = 0, True
try:
    for path in paths:
        with open(path, "wb") as handle:
            for _ in range(9):
                handle.write(b"\1" * (20 * 1024**2))
    time.sleep(3)  # six watchdog periods
    held = sum(os.stat(p).st_size for p in paths)
    same_fs = os.stat(paths[0]).st_dev == os.stat(paths[-1]).st_dev
except OSError as error:
    print("stopped:", error)
finally:
    for path in paths[5:]:
        try:
            os.unlink(path)
        except OSError:
            pass
if held >= 1.7 * 1024**3 and not same_fs:
    raise RuntimeError(f"ESCAPED: held {held / 1024**3:.1f} GB of disk at once ({outside} beside the box)")

# Leave files in the machine's shared temporary folders and a System V shared memory segment,
# which outlive processes: without a mount and IPC namespace they would survive the grading.
# score: honest
# also: no-namespace
# %%
import ctypes, os
for folder in ("/tmp", "/var/tmp", "/dev/shm"):
    try:
        os.makedirs(f"{folder}/left-behind/deeper", exist_ok=True)
        open(f"{folder}/left-behind/deeper/file", "wb").write(b"\1" * 1024**2)
        open(f"{folder}/left-behind-file", "wb").write(b"\1" * 1024**2)
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget(0, 64 * 1024**2, 0o1666)  # IPC_PRIVATE, IPC_CREAT | 0666: no one attached, it stays

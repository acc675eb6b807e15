# Machine-wide kernel pools no per-grading bound covers: io_setup (Linux native AIO; the filter
# denies io_uring but not this) reserves AIO contexts from fs.aio-max-nr, one counter for the
# whole machine (65,536 here). One process of the sandbox takes all of it, and until the tree
# ends every other process on the machine (other gradings, the host's databases or VMs) gets
# EAGAIN from io_setup. The notebook releases it at once; a real attack holds it in a daemon for
# the whole grading. (kernel.pty.max is a similar pool: bubblewrap's private devpts instances share
# its 3,072 non-reserved terminals; net.ipv4.tcp_mem is another: see memory_in_tcp_buffers.)
# Expected: io_setup/io_submit denied by the filter as io_uring is (nothing in the lessons uses AIO).
# score: honest
# absent: ESCAPED
# also: no-namespace
# also: docker
# %%
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
contexts, reserved = [], 0
def pool():
    try:
        return int(open("/proc/sys/fs/aio-max-nr").read()), int(open("/proc/sys/fs/aio-nr").read())
    except OSError:
        return 65536, 0
limit, used = pool()
size = max(1, (limit - used) // 2)  # the kernel reserves about twice what is asked
while size >= 64 and len(contexts) < 64:
    context = ctypes.c_ulong(0)
    if libc.syscall(206, size, ctypes.byref(context)) == 0:  # io_setup
        contexts.append(context)
        reserved += size
    else:
        size //= 2
limit, used = pool()
for context in contexts:
    libc.syscall(207, context)  # io_destroy
if contexts and used >= 0.9 * limit:
    raise RuntimeError(f"ESCAPED: the sandbox held {used} of the machine's {limit} AIO events")

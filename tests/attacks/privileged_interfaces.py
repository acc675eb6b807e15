# Kernel interfaces an ordinary user may use on a stock kernel, and that a sandbox should not
# offer: keyrings, io_uring, userfaultfd, perf events, new user namespaces, ptrace.
# score: honest
# also: no-namespace
# %%
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
syscall = libc.syscall
params = ctypes.create_string_buffer(120)
attr = ctypes.create_string_buffer(128)
attr[4:8] = (128).to_bytes(4, "little")  # perf_event_attr.size; type 1 (software), config 0 (cpu clock)
attr[0:4] = (1).to_bytes(4, "little")
attr[40] = 0x60  # exclude_kernel, exclude_hv: what perf_event_paranoid 2 allows an ordinary user
attempts = {
    "keyctl": lambda: syscall(250, 1, None),  # KEYCTL_JOIN_SESSION_KEYRING
    "io_uring_setup": lambda: syscall(425, 4, params),
    "userfaultfd": lambda: syscall(323, 1),  # UFFD_USER_MODE_ONLY
    "perf_event_open": lambda: syscall(298, attr, 0, -1, -1, 0),
}
worked = [name for name, attempt in attempts.items() if attempt() >= 0]
child = os.fork()
if child == 0:
    os._exit(0 if libc.unshare(0x10000000) == 0 else 1)
if os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0:
    worked.append("unshare(CLONE_NEWUSER)")
tracee = os.fork()
if tracee == 0:
    os._exit(0 if syscall(101, 0, 0, 0, 0) == 0 else 1)  # PTRACE_TRACEME
if os.waitstatus_to_exitcode(os.waitpid(tracee, 0)[1]) == 0:
    worked.append("ptrace")
if worked:
    total_params = -1

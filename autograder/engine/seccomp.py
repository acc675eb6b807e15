"""A seccomp filter for the student's kernel: no new namespaces, mounts or privileged interfaces.

This module is also the kernel's launcher: the sandbox runs its source with ``python -I -S -c``
(the repository is not mounted inside) followed by the kernel's command line. It installs the
filter through libseccomp (ctypes, standard library only), writes what happened to a status
file, then executes the kernel, so the filter holds from the kernel's first instruction on and
for every process it starts. The filter is an allow-list's opposite (everything not named is
allowed), because TensorFlow and the lessons use a wide, version-dependent set of calls.
"""

import ctypes
import ctypes.util
import errno
import os
import sys

# Denied outright (EPERM): mounts, namespaces, keys, BPF, tracing, kernel modules, io_uring, ...
DENIED = (
    "mount", "umount2", "pivot_root", "chroot", "setns",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "reboot", "acct", "syslog",
    "quotactl", "quotactl_fd", "iopl", "ioperm", "fanotify_init", "lookup_dcookie", "uselib",
    "io_setup",  # the machine's pool of AIO events is shared: one grading could take all of it
)
# Without an IPC namespace (the no-namespace path) System V objects and message queues would
# outlive the grading: denied there.
DENIED_WITHOUT_NAMESPACES = ("shmget", "semget", "msgget", "mq_open")
NAMESPACE_FLAGS = {  # CLONE_NEW*: clone() must not create one; unshare() neither (NEWTIME: unshare only)
    "NEWNS": 0x00020000, "NEWCGROUP": 0x02000000, "NEWUTS": 0x04000000, "NEWIPC": 0x08000000,
    "NEWUSER": 0x10000000, "NEWPID": 0x20000000, "NEWNET": 0x40000000,
}
CLONE_NEWTIME = 0x00000080
AF_UNIX, AF_NETLINK = 1, 16
# With a network namespace, the families it isolates (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK) stay
# allowed; every other one is refused: AF_VSOCK reaches the hypervisor whatever the namespace, and
# the rest are old or rare protocols the lessons never use (families 3-9, 11-15, and 17 upwards).
OTHER_FAMILIES = (*range(3, 10), *range(11, 16))
FIRST_RARE_FAMILY = 17
TIOCSTI, TIOCLINUX = 0x5412, 0x541C  # typing into a terminal the kernel might share

ACT_ALLOW = 0x7FFF0000
CMP_NE, CMP_EQ, CMP_GE, CMP_MASKED_EQ = 1, 4, 5, 7  # libseccomp's scmp_compare


def _errno(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def _library():
    try:
        lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError:  # another soname: ask the linker cache
        lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def _rules(network):
    """(action, syscall name, [(arg, op, a, b), ...]) for each rule of the filter."""
    eperm = _errno(errno.EPERM)
    rules = [(eperm, name, []) for name in DENIED]
    rules += [(eperm, "clone", [(0, CMP_MASKED_EQ, flag, flag)]) for flag in NAMESPACE_FLAGS.values()]
    rules += [(eperm, "unshare", [(0, CMP_MASKED_EQ, flag, flag)]) for flag in (*NAMESPACE_FLAGS.values(), CLONE_NEWTIME)]
    rules.append((_errno(errno.ENOSYS), "clone3", []))  # its flags are in memory seccomp cannot read: libc falls back to clone
    rules += [(eperm, "ioctl", [(1, CMP_EQ, request, 0)]) for request in (TIOCSTI, TIOCLINUX)]
    if network:
        refused = _errno(errno.EAFNOSUPPORT)
        for name in ("socket", "socketpair"):
            rules.append((refused, name, [(0, CMP_GE, FIRST_RARE_FAMILY, 0)]))
            rules += [(refused, name, [(0, CMP_EQ, family, 0)]) for family in OTHER_FAMILIES]
    else:
        rules += [(eperm, name, []) for name in DENIED_WITHOUT_NAMESPACES]
        # Netlink says "not supported" rather than "no such family": libzmq (the kernel's sockets)
        # treats that as "no network interfaces" instead of aborting.
        rules.append((_errno(errno.EOPNOTSUPP), "socket", [(0, CMP_EQ, AF_NETLINK, 0)]))
        rules += [(_errno(errno.EAFNOSUPPORT), name, [(0, CMP_NE, AF_UNIX, 0)]) for name in ("socket", "socketpair")]
    return rules


def install(network):
    """Install the filter in this process (and everything it executes or starts). `network`:
    whether sockets other than AF_UNIX stay allowed (the sandbox has its own network namespace)."""
    lib = _library()
    ctx = lib.seccomp_init(ACT_ALLOW)  # also sets no_new_privs, and kills calls of another architecture
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        for action, name, conditions in _rules(network):
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:
                continue  # not a system call of this architecture or libseccomp version
            array = (_ArgCmp * max(1, len(conditions)))(*[_ArgCmp(*c) for c in conditions])
            code = lib.seccomp_rule_add_array(ctx, action, number, len(conditions), array)
            if code < 0:
                raise OSError(-code, f"seccomp rule for {name}: {os.strerror(-code)}")
        code = lib.seccomp_load(ctx)
        if code < 0:
            raise OSError(-code, f"seccomp_load: {os.strerror(-code)}")
    finally:
        lib.seccomp_release(ctx)


def available():
    """Whether libseccomp can be loaded here (the kernel's side checks again and reports)."""
    try:
        _library()
        return True
    except OSError:
        return False


def launch(argv):
    """Launcher entry: argv = [status file, "network" or "no-network", kernel command...]."""
    status_file, network, command = argv[0], argv[1] == "network", argv[2:]
    try:
        install(network)
        status = "applied" + ("" if network else " (AF_UNIX sockets only)")
    except Exception as error:  # a protection's failure must not stop grading: the grader records it
        status = f"failed: {type(error).__name__}: {error}"
    try:
        with open(status_file, "w") as handle:
            handle.write(status)
    except OSError:
        pass
    os.execv(command[0], command)


if __name__ == "__main__":
    launch(sys.argv[1:])

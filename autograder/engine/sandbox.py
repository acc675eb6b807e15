"""The sandbox a submission's kernel runs in: bubblewrap, a real unprivileged user, rlimits.

Inside, the kernel sees a read-only system (/usr, /etc), the Python installation and the
virtual environment, the data folder read-only at /data, its own working folder, a private
/tmp, and the folder holding the kernel's IPC sockets. It has its own PID, network (loopback
only, not the host's), IPC and UTS namespaces, a new session (no terminal to inject into), and
runs as an unprivileged user when the grader is root. The repository, and so the hidden tests,
are never mounted. What bounds the whole tree (control group, capped filesystem, seccomp
filter, OOM priority) is containment.py's: its words go first and last in the command line.
"""

from __future__ import annotations

import fcntl
import functools
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..limits import TreeLimits
from . import proc

NOBODY = 65534
SANDBOX_UIDS = range(61000, 61500)  # one per concurrent sandbox: ending one must not touch another
UID_LOCKS = Path("/run/autograder-uids")
SANDBOX_WORKDIR = "/work/submission"
SANDBOX_DATA = "/data"


class SandboxUnavailable(RuntimeError):
    """No way to isolate student code on this machine."""


@dataclass(frozen=True)
class SandboxSpec:
    workdir: Path  # host folder bound read-write at SANDBOX_WORKDIR
    ipc_dir: Path  # host folder bound read-write at the same path (kernel sockets, answers)
    requests_dir: Path  # host folder bound read-only at the same path (the grader's arguments)
    data_dir: Path  # bound read-only at SANDBOX_DATA
    limits: TreeLimits
    uid: int = NOBODY
    isolated: bool = True  # False: no bubblewrap here and the instructor allowed grading without it
    # Host folders for /tmp and /dev/shm on the grading's size-capped filesystem (None: bubblewrap's
    # own tmpfs with --size). Without namespaces, TMPDIR points to tmp_dir.
    tmp_dir: Path | None = None
    shm_dir: Path | None = None
    entry: tuple[str, ...] = ()  # run first, as the grader's user: OOM priority and control group (containment.py)
    launcher: tuple[str, ...] = ()  # run last, as the sandbox's user, just before the kernel: the seccomp filter


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def interpreter() -> str:
    """This Python, named through the environment's real folder (the only one bound inside):
    a worktree may reach the environment through a symbolic link that the sandbox does not have."""
    return str(Path(sys.prefix).resolve() / "bin" / Path(sys.executable).name)


def _python_roots() -> list[Path]:
    """Folders the interpreter needs: the environment and the base installation."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    executable = Path(sys.executable).resolve()
    if not any(executable.is_relative_to(root) for root in roots):
        roots.add(executable.parent)
    return sorted(roots)


def _ancestors(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if p != Path("/")]


def check_available(limits: TreeLimits | None = None, data_dir: Path | None = None) -> None:
    """Raise SandboxUnavailable with the reason if bubblewrap cannot be used here.

    The probe runs `true` behind the very command prefix a kernel gets (same options, same
    mounts, same user switch), so an option this bubblewrap lacks or a mount it cannot make
    fails here, before any student's kernel, and grading takes the no-namespace path instead.
    """
    if bwrap_path() is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed: install the Debian/Ubuntu package `bubblewrap` "
            "(setup.sh does this as root), or pass --allow-no-sandbox to grade without isolation."
        )
    with tempfile.TemporaryDirectory(prefix="autograder-probe-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        spec = SandboxSpec(root / "work", root / "ipc", root / "requests", data_dir or root, limits or TreeLimits())
        prepare_host_folders(spec)
        probe = subprocess.run([*command_prefix(spec), "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise SandboxUnavailable(f"{bwrap_version()} cannot start the sandbox here: {probe.stderr.strip()[-500:]}")


# -- what the installed bubblewrap can do (Ubuntu 22.04 ships 0.6.1: no --size, no --disable-userns)


@functools.cache
def _bwrap_help(bwrap: str) -> tuple[str, frozenset[str]]:
    """The version line and the option names of one bubblewrap binary, asked once per process."""
    version = subprocess.run([bwrap, "--version"], capture_output=True, text=True).stdout.strip()
    usage = subprocess.run([bwrap, "--help"], capture_output=True, text=True)
    return version or "bubblewrap", frozenset(re.findall(r"^\s*(--[a-z0-9-]+)", usage.stdout + usage.stderr, re.M))


def bwrap_supports(option: str) -> bool:
    """Whether the installed bubblewrap accepts `option` (as listed by `bwrap --help`)."""
    path = bwrap_path()
    return path is not None and option in _bwrap_help(path)[1]


def bwrap_version() -> str:
    path = bwrap_path()
    return _bwrap_help(path)[0] if path else "no bubblewrap"


def scratch_folders(spec: SandboxSpec) -> dict[str, Path]:
    """Host folders for the sandbox's /tmp and /dev/shm, or none where bubblewrap makes sized tmpfs.

    On the grading's capped filesystem (containment.py) they are folders there, bounded with it.
    Without --size (bubblewrap < 0.7) a tmpfs would be unbounded memory; /tmp and /dev/shm are
    then folders beside the working folder, so whatever bounds the working folder bounds them.
    """
    if not spec.isolated:
        return {}
    if spec.tmp_dir and spec.shm_dir:  # on the grading's capped filesystem, counted by its control group
        return {"/tmp": spec.tmp_dir, "/dev/shm": spec.shm_dir}
    if bwrap_supports("--size"):
        return {}
    return {"/tmp": spec.workdir.with_name("tmp"), "/dev/shm": spec.workdir.with_name("shm")}


def _scratch_args(spec: SandboxSpec) -> list[str]:
    folders = scratch_folders(spec)
    if folders:
        return [arg for target, host in folders.items() for arg in ("--bind", str(host), target)]
    # tmpfs lives in memory that no rlimit counts: give each a size.
    return [
        *("--perms", "1777", "--size", str(spec.limits.disk_bytes), "--tmpfs", "/tmp"),
        *("--perms", "1777", "--size", str(spec.limits.shm_bytes), "--tmpfs", "/dev/shm"),
    ]


def describe() -> str:
    """One line for the instructor: which bubblewrap, and what it could not do here."""
    if bwrap_path() is None:
        return "no bubblewrap installed"
    lacking = [option for option in ("--size", "--disable-userns") if not bwrap_supports(option)]
    if "--size" in lacking:
        return f"{bwrap_version()} (no --size: /tmp and /dev/shm are folders beside the working folder)"
    return bwrap_version() + (f" (lacks {', '.join(lacking)})" if lacking else "")


def _namespace_args() -> list[str]:
    args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        args.insert(0, "--unshare-user")  # unprivileged bwrap needs a user namespace
    return args


def environment(spec: SandboxSpec) -> dict[str, str]:
    """The only environment variables the kernel gets."""
    threads = str(spec.limits.cores)
    home = "/tmp" if spec.isolated else str(spec.workdir)
    return {
        "PATH": f"{Path(interpreter()).parent}:/usr/bin:/bin",
        "HOME": home,
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "KERAS_HOME": f"{home}/.keras",
        "MPLBACKEND": "agg",
        "NN_DATA_DIR": SANDBOX_DATA if spec.isolated else str(spec.data_dir),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "LANG": "C.UTF-8",
        **({"TMPDIR": "/tmp" if spec.isolated else str(spec.tmp_dir)} if spec.tmp_dir else {}),
    }


def _limits_args(limits: TreeLimits) -> list[str]:
    return [
        "/usr/bin/prlimit",
        f"--data={limits.process_memory_bytes}",
        f"--cpu={limits.cpu_seconds}",
        f"--nproc={limits.processes}",
        f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]


def command_prefix(spec: SandboxSpec) -> list[str]:
    """bwrap ... prlimit ... setpriv ... : put this in front of the kernel's command line."""
    if not spec.isolated:  # no namespaces: resource limits, and the user switch where the interpreter allows it
        args = ["/usr/bin/env", "-i", *(f"{k}={v}" for k, v in environment(spec).items()), *_limits_args(spec.limits)]
        return [*spec.entry, *args, *(_drop_user(spec.uid) if can_drop_user() else []), *spec.launcher]
    return [*spec.entry, *_bwrap_args(spec), *spec.launcher]


def _bwrap_args(spec: SandboxSpec) -> list[str]:
    args = [bwrap_path(), "--die-with-parent", "--new-session", *_namespace_args()]
    args += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    args += ["--proc", "/proc", "--dev", "/dev", *_scratch_args(spec)]
    mounts = [(root, root, "--ro-bind") for root in _python_roots()]
    mounts += [(spec.data_dir, Path(SANDBOX_DATA), "--ro-bind"), (spec.workdir, Path(SANDBOX_WORKDIR), "--bind")]
    mounts += [(spec.ipc_dir, spec.ipc_dir, "--bind"), (spec.requests_dir, spec.requests_dir, "--ro-bind")]
    made: set[Path] = set()
    for source, target, kind in mounts:
        for parent in _ancestors(target):  # bwrap would create these 0700: unreadable for the kernel's user
            if parent not in made and not parent.is_relative_to("/usr"):  # /usr is already a read-only mount
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += [kind, str(source), str(target)]
    args += ["--chdir", SANDBOX_WORKDIR, "--clearenv"]
    for key, value in environment(spec).items():
        args += ["--setenv", key, value]
    args += _limits_args(spec.limits)
    if os.geteuid() == 0:
        args[3:3] = ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        args += _drop_user(spec.uid)
    return args


def _drop_user(uid: int) -> list[str]:
    return ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]


def _world_readable(path: Path) -> bool:
    """Others may traverse every folder above path and read path itself."""
    if not path.exists():
        return False
    folders_ok = all(os.stat(p).st_mode & 0o001 for p in [*path.parents, path] if p.is_dir())
    return folders_ok and bool(os.stat(path).st_mode & 0o004)


def readable_by_others(folder: Path) -> bool:
    """Whether a user other than the owner (the kernel's, without a sandbox) could list `folder` or
    read a file in it."""
    try:
        return _world_readable(folder) or any(_world_readable(p) for p in folder.iterdir() if p.is_file())
    except OSError:
        return False


def can_drop_user() -> bool:
    """Without bubblewrap, root can still run the kernel as an unprivileged user (as on
    Gradescope, where Docker forbids namespaces) if that user can run the interpreter."""
    return os.geteuid() == 0 and all(_world_readable(root) for root in _python_roots())


def prepare_host_folders(spec: SandboxSpec) -> None:
    """Give the sandbox's user its working and IPC folders; the requests folder stays the grader's."""
    for folder in (spec.workdir, spec.ipc_dir, spec.requests_dir, *scratch_folders(spec).values()):
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0 and folder != spec.requests_dir:
            os.chown(folder, spec.uid, spec.uid)
        folder.chmod(0o755)


def boot_seconds() -> float:
    """Now, on the clock process start times are measured by (seconds since boot)."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def _stat(pid: int | str) -> list[str]:
    """Fields of /proc/PID/stat after the command name (state, ppid, ...); [] if gone."""
    try:
        text = proc.read_text(f"/proc/{pid}/stat")
    except OSError:
        return []
    return text[text.rfind(")") + 2 :].split()


def parent_of(pid: int) -> int | None:
    """The parent of process `pid`; None if it is gone."""
    fields = _stat(pid)
    return int(fields[1]) if len(fields) > 1 else None


def start_time(pid: int) -> float | None:
    """When process `pid` started, in boot_seconds(); None if it is gone."""
    fields = _stat(pid)
    return int(fields[19]) / os.sysconf("SC_CLK_TCK") if len(fields) > 19 else None


def processes_of(uids: set[int], started_before: float | None = None) -> list[int]:
    """PIDs of processes whose real user is one of `uids` (started before `started_before`, if given)."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid_line = next(line for line in proc.read_text(status).splitlines() if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(uid_line.split()[1]) in uids:
            pid = int(status.parent.name)
            started = start_time(pid)
            if started_before is None or (started is not None and started <= started_before):
                pids.append(pid)
    return pids


def user_processes(uid: int) -> list[int]:
    return processes_of({uid})


def tree_of(pid: int, started: float | None) -> list[int]:
    """`pid` and its descendants, if `pid` is still the process that started at `started`."""
    if started is None or start_time(pid) != started:
        return []  # gone, or the number now belongs to someone else's process
    children: dict[int, list[int]] = {}
    for folder in Path("/proc").glob("[0-9]*"):
        fields = _stat(folder.name)
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(folder.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += children.get(current, [])
    return tree


def _has_account(uid: int) -> bool:
    """Whether `uid` belongs to an account of this machine (its processes and files are not ours)."""
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


class UidLease:
    """An unprivileged uid reserved for one sandbox (a lock file held while it lives)."""

    def __init__(self) -> None:
        self.uid, self._handle = NOBODY, None
        if os.geteuid() != 0:
            return  # unprivileged bwrap keeps our own uid
        UID_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
        for uid in SANDBOX_UIDS:
            handle = open(UID_LOCKS / str(uid), "w")  # noqa: SIM115  (held until release)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            if user_processes(uid) or _has_account(uid):  # a killed grader's leftovers, or a real user's uid
                handle.close()
                continue
            self.uid, self._handle = uid, handle
            return
        raise RuntimeError("all sandbox uids are in use: too many gradings at once on this machine")

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

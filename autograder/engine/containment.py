"""What bounds one grading's whole process tree, set up before its kernel starts and undone after.

Each protection uses the strongest mechanism the host allows and records which one applied:

* memory and processes: a control group (v1 or v2) per grading, else a watchdog thread in the
  grader that samples the tree and ends it when over the limits (Gradescope's Docker container);
* disk: a size- and inode-capped tmpfs mounted on the grading's folder (root only), holding the
  working folder, /tmp and /dev/shm (and one of its own for the kernel's answers), else the
  watchdog's check of what the tree's filesystems gained (sampled far more often than memory:
  one statvfs is cheap, and written files can be deleted before a slow sample sees them);
* CPU: the group's share and quota (nothing else can make it explicit);
* the kernel's OOM priority: 1000, set before the privilege drop (with CAP_SYS_RESOURCE the tree
  cannot lower it; without, it can only bring it back to the grader's own level);
* system calls: a seccomp filter (see seccomp.py), which also closes the network where there is
  no network namespace.

A protection's failure never stops a grading or changes its grade: it is recorded for the
instructor (``ContainmentRecord``). Closing never raises and leaves no process, group or file.
"""

from __future__ import annotations

import os
import shlex
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..limits import TimeLimits, TreeLimits
from . import cgroups, cleanup, proc, seccomp
from .sandbox import NOBODY, boot_seconds, interpreter, parent_of, processes_of, start_time, tree_of

OOM_SCORE_ADJ = 1000  # the kernel's OOM killer picks the submission before the grader or anyone else
CAP_SYS_RESOURCE = 24
SECCOMP_SOURCE = Path(seccomp.__file__).read_text()
GB = 1024**3


@dataclass
class ContainmentRecord:
    """How one grading was contained, for the instructor and for code and tests that check it."""

    uid: int | None  # the sandbox user leased for this grading (None: the grader's own)
    folder: str  # the grading's folder on the host; gone after grading
    cgroups: list[str] = field(default_factory=list)  # the grading's control groups; gone after grading
    # protection -> mechanism that applied: memory, processes, disk, cpu, oom priority, system calls, network
    protections: dict[str, str] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)  # how each was set up, and every problem met
    peak_memory_bytes: int | None = None  # the tree's peak (cgroup: page cache included; watchdog: sampled)
    oom_kills: int = 0
    # The most the tree had written that the grader saw: used at the end (tmpfs), else the sampled maximum.
    disk_used_bytes: int | None = None
    limit_hits: list[str] = field(default_factory=list)  # limits that stopped the tree, as the student reads them
    released_at: float | None = None  # CLOCK_BOOTTIME when the uid was released: later processes are not ours

    def note(self) -> str:
        """One paragraph for instructor_notes.txt."""
        applied = ", ".join(f"{name}: {how}" for name, how in self.protections.items())
        lines = [f"Containment: {applied}."]
        if self.peak_memory_bytes is not None:
            lines.append(f"Peak memory of the submission's processes: {self.peak_memory_bytes / GB:.2f} GB.")
        lines += self.details
        return "\n".join(lines)


class Watchdog(threading.Thread):
    """Takes one sample of the tree every `period` seconds and ends the tree when the sample names
    a limit it is over. A grading's watchdogs share one stop, set once a hit has ended the whole
    tree: the first hit is the one reported, and a tree that outlives its end is still watched."""

    def __init__(self, containment: Containment, name: str, period: float, sample: Callable[[], str | None]) -> None:
        super().__init__(name=f"autograder-watchdog-{name}", daemon=True)
        self.containment, self.kind, self.period, self.sample = containment, name, period, sample

    def run(self) -> None:
        containment, failed = self.containment, False
        while not containment.watch_stop.wait(self.period):
            try:
                reason = self.sample()
            except Exception as error:  # sampling /proc races with exiting processes: never fatal
                if not failed:  # noted once: the disk is sampled 50 times a second
                    containment.record.details.append(f"watchdog ({self.kind}): a sample failed ({type(error).__name__})")
                failed = True
                continue
            if reason and containment.limit_reached(reason):
                return  # the tree is over; until it is, keep sampling and ending it


class TreeSample:
    """The tree's memory and process count (walks /proc: too slow to take often)."""

    def __init__(self, containment: Containment, memory: bool, processes: bool) -> None:
        self.containment, self.memory, self.processes = containment, memory, processes

    def __call__(self) -> str | None:
        limits, record = self.containment.limits, self.containment.record
        pids = self.containment.tree()
        if self.memory:
            used = _tree_memory(pids, limits.tree_memory_bytes)
            record.peak_memory_bytes = max(record.peak_memory_bytes or 0, used)
            if used > limits.tree_memory_bytes:
                return f"the notebook's processes together used more than {limits.tree_memory_bytes / GB:.1f} GB of memory"
        if self.processes and sum(_threads(pid) for pid in pids) > limits.processes:
            return f"the notebook started more than {limits.processes} processes and threads"
        return None


class DiskSample:
    """What the folders' filesystems gained since the kernel started (one statvfs each: cheap)."""

    def __init__(self, containment: Containment, folders: list[Path]) -> None:
        self.containment, self.baseline = containment, _disk_usage(folders)

    def __call__(self) -> str | None:
        limits, record = self.containment.limits, self.containment.record
        now = _disk_usage(list(self.baseline))
        grown = [(now[f][0] - used, now[f][1] - files) for f, (used, files) in self.baseline.items() if f in now]
        record.disk_used_bytes = max([record.disk_used_bytes or 0, *(b for b, _ in grown)])
        if any(b > limits.disk_bytes or i > limits.disk_inodes for b, i in grown):
            return f"the notebook wrote more than {limits.disk_bytes / GB:.1f} GB or {limits.disk_inodes} files"
        return None


def _disk_usage(folders: list[Path]) -> dict[Path, tuple[int, int]]:
    """Bytes and inodes used on each folder's filesystem (one entry per filesystem)."""
    usage, seen = {}, set()
    for folder in folders:
        try:
            device, info = os.stat(folder).st_dev, os.statvfs(folder)
        except OSError:
            continue
        if device not in seen:
            seen.add(device)
            usage[folder] = ((info.f_blocks - info.f_bfree) * info.f_frsize, info.f_files - info.f_ffree)
    return usage


def _field(path: str, key: str, base: int = 10) -> int:
    """The number after `key` in a /proc file of "key value" lines; 0 if absent or unreadable."""
    try:
        for line in proc.read_text(path).splitlines():
            if line.startswith(key):
                return int(line.split()[1], base)
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _threads(pid: int) -> int:
    return _field(f"/proc/{pid}/status", "Threads:")


def _tree_memory(pids: list[int], limit: int) -> int:
    """Resident memory of the processes; proportional (shared pages split) when the plain sum is over."""
    page = os.sysconf("SC_PAGE_SIZE")
    resident = 0
    for pid in pids:
        try:
            resident += int(proc.read_text(f"/proc/{pid}/statm").split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    if resident <= limit:
        return resident
    return sum(_proportional(pid, page) for pid in pids)


def _proportional(pid: int, page: int) -> int:
    """Proportional memory of one process; its resident memory where smaps is not readable (no
    CAP_SYS_PTRACE, as in Docker) or gone."""
    pss = _field(f"/proc/{pid}/smaps_rollup", "Pss:")
    if pss:
        return pss * 1024
    try:
        return int(proc.read_text(f"/proc/{pid}/statm").split()[1]) * page
    except (OSError, ValueError, IndexError):
        return 0


def has_capability(bit: int) -> bool:
    """Whether this process has a capability in its effective set (CAP_SYS_RESOURCE is 24)."""
    return bool(int(_field("/proc/self/status", "CapEff:", base=16)) >> bit & 1)


def _can_mount() -> bool:
    return os.geteuid() == 0


class Containment:
    """One grading's folder, control group, watchdog and cleanup."""

    def __init__(self, limits: TreeLimits, times: TimeLimits, uid: int | None) -> None:
        self.limits, self.times, self.isolated = limits, times, True  # isolated: see sandbox_fields
        self.uid = uid if uid is not None and uid != NOBODY and os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="autograder-"))
        self.began = time.time()  # files of the uid changed since then are this grading's
        self.box = self.root / "box"  # the submission's own files: working folder, /tmp, /dev/shm
        self.workdir, self.tmp, self.shm = self.box / "work", self.box / "tmp", self.box / "shm"
        # The kernel's answers and sockets: a filesystem of their own, so that a submission that fills
        # its disk (checkpoints in /tmp) still has its answers read.
        self.ipc, self.requests = self.root / "ipc", self.root / "requests"
        self.mounted: list[Path] = []
        self.record = ContainmentRecord(self.uid, str(self.root))
        self.group = cgroups.Cgroup("")
        self.capped = False
        self.kernel: tuple[int, int] | None = None  # the kernel's first process: pid and start time
        self.watchdogs: list[Watchdog] = []
        self.watch_stop = threading.Event()  # set by the first limit hit, and at close
        self._hit = threading.Lock()
        self._reported = self._survived = False  # a limit hit noted; a tree that outlived its end noted
        self._closed = False
        try:
            # Only the grading's own uid (by group) may enter: without namespaces, another grading's
            # kernel would otherwise reach this one's folders and the requests that hold hidden inputs.
            if self.uid is not None:
                os.chown(self.root, 0, self.uid)
            self.root.chmod(0o750 if self.uid is not None else 0o700)
            self._make_folders()
            self.group = self._make_group()
        except BaseException:
            self.close()
            raise

    # -- setup

    def _make_folders(self) -> None:
        limits = self.limits
        caps = ((self.box, limits.disk_bytes, limits.disk_inodes), (self.ipc, limits.ipc_bytes, limits.ipc_inodes))
        for folder, size, inodes in caps:
            folder.mkdir()
            problem = cleanup.mount_tmpfs(folder, size, inodes) if _can_mount() else "the grader is not root"
            if problem is None:
                self.mounted.append(folder)
            else:
                self.record.details.append(f"disk: no capped filesystem on {folder.name} ({problem})")
        self.capped = len(self.mounted) == 2
        if self.capped:
            self.record.details.append(
                f"disk: tmpfs of {limits.disk_bytes / GB:.1f} GB and {limits.disk_inodes} files for the working "
                f"folder, /tmp and /dev/shm; {limits.ipc_bytes / GB:.2f} GB for the kernel's answers"
            )
        for folder in (self.tmp, self.shm):
            folder.mkdir()
            folder.chmod(0o1777)

    def _make_group(self) -> cgroups.Cgroup:
        stale = f"autograder-{self.uid}-" if self.uid is not None else None
        unique = self.root.name.removeprefix("autograder-")
        group = cgroups.create(f"autograder-{self.uid if self.uid is not None else os.geteuid()}-{unique}", self.limits, stale)
        self.record.cgroups = [str(d) for d in group.directories]
        self.record.details += [f"{controller}: {how}" for controller, how in group.applied.items()]
        self.record.details += group.problems
        return group

    # -- the command line

    def sandbox_fields(self, isolated: bool) -> dict:
        """SandboxSpec fields for this grading (isolated: whether bubblewrap runs the kernel)."""
        self.isolated = isolated
        # bubblewrap binds /tmp and /dev/shm from the capped filesystem, or makes its own sized tmpfs;
        # without namespaces only TMPDIR can be pointed into the grading's folder.
        return {
            "tmp_dir": self.tmp if self.capped or not isolated else None,
            "shm_dir": self.shm if self.capped else None,
            "entry": tuple(self.entry_args()),
            "launcher": tuple(self.launcher_args()),
        }

    def entry_args(self) -> list[str]:
        """The first words of the kernel's command: OOM priority and the group, entered before anything runs."""
        steps = [f"echo {OOM_SCORE_ADJ} > /proc/self/oom_score_adj"]
        steps += [f"echo 0 > {shlex.quote(str(p))}" for p in self.group.procs_files()]
        script = "; ".join(f"{{ {step}; }} 2>/dev/null" for step in steps) + '; exec "$@"'
        return ["/bin/sh", "-c", script, "sh"]

    def launcher_args(self) -> list[str]:
        """The last words before the kernel's own command: the seccomp launcher, if libseccomp is here."""
        if not seccomp.available():
            self.record.details.append("system calls: libseccomp2 not found, no filter")
            return []
        network = "network" if self.isolated else "no-network"  # without a network namespace: AF_UNIX only
        return [interpreter(), "-I", "-S", "-c", SECCOMP_SOURCE, str(self.seccomp_status), network]

    @property
    def seccomp_status(self) -> Path:
        return self.ipc / "seccomp-status"

    # -- while it runs

    def started(self, pid: int | None) -> None:
        """The kernel is up (none of the student's code has run): check what applied, start the watchdog."""
        self.kernel = (pid, start_time(pid)) if pid is not None else None
        in_group = pid is not None and self.group.directories and self.group.contains(pid)
        if self.group.directories and not in_group:
            self.record.details.append("cgroup: the kernel is not in the grading's group")
        group = self.group.applied if in_group else {}
        self._record_protections(group, pid)
        memory, processes = "memory" not in group, "pids" not in group
        # The machine's shared temporary folders are not watched without a mount namespace: their
        # filesystems are everyone's, and another process's files would end an honest grading.
        disk = [] if self.capped else [self.root]
        times = self.times
        if memory or processes:
            self.watchdogs.append(Watchdog(self, "tree", times.watch_seconds, TreeSample(self, memory, processes)))
        if disk:
            self.watchdogs.append(Watchdog(self, "disk", times.disk_watch_seconds, DiskSample(self, disk)))
        for watchdog in self.watchdogs:
            watchdog.start()

    def limit_reached(self, reason: str) -> bool:
        """A watchdog's hit: report it once and end the tree. True once nothing of the tree is left
        (every watchdog then stops); False if ending it failed, so the watchdog samples again."""
        with self._hit:
            if self.watch_stop.is_set():
                return True
            if not self._reported:
                self.record.limit_hits.append(reason)
                self._reported = True
            try:
                survivors = self.end_tree()
            except Exception as error:  # never leave the tree unwatched: try again at the next sample
                survivors = [f"ending it failed: {type(error).__name__}"]
            if survivors:
                if not self._survived:
                    self.record.details.append(f"watchdog: the tree outlived its end ({survivors[:5]}), still watched")
                self._survived = True
                return False
            self.watch_stop.set()
            return True

    def _record_protections(self, group: dict[str, str], pid: int | None) -> None:
        def kind(controller: str, otherwise: str) -> str:  # "cgroup v1: 2.5 GB" -> "cgroup v1"
            return group[controller].split(":")[0] if controller in group else otherwise

        status = _read_text(self.seccomp_status)  # written by the launcher before the kernel started
        self.seccomp_status.unlink(missing_ok=True)
        if status and not status.startswith("applied"):
            self.record.details.append(f"system calls: seccomp {status}")
        adjusted = pid is not None and _read_int(f"/proc/{pid}/oom_score_adj") == OOM_SCORE_ADJ
        # Set with CAP_SYS_RESOURCE the tree cannot lower it; without (Docker), it could go back to the grader's.
        oom = f"{OOM_SCORE_ADJ}" + (" (locked)" if has_capability(CAP_SYS_RESOURCE) else "") if adjusted else "none"
        network = "seccomp" if "AF_UNIX" in status else "none"
        self.record.protections = {
            "memory": kind("memory", "watchdog"),
            "processes": kind("pids", "watchdog"),
            "disk": self._disk_mechanism(),
            "cpu": kind("cpu", "none"),
            "oom priority": oom,
            "system calls": "seccomp" if status.startswith("applied") else "none",
            "network": "network namespace" if self.isolated else network,
        }

    def _disk_mechanism(self) -> str:
        if self.capped:  # without a mount namespace the machine's shared temporary folders are watched too
            return "tmpfs" if self.isolated else "tmpfs (shared temporary folders unbounded)"
        return "bubblewrap tmpfs + watchdog" if self.isolated else "watchdog"  # bubblewrap's: /tmp and /dev/shm

    def tree(self) -> list[int]:
        """The submission's processes: its group's, its uid's, and the kernel's descendants."""
        pids = set(self.group.members()) if self.group.directories else set()
        if self.uid is not None:
            pids.update(processes_of({self.uid}))
        if self.kernel is not None:
            pids.update(tree_of(*self.kernel))
        pids.discard(os.getpid())
        return sorted(pids)

    def end_tree(self) -> list[int]:
        """SIGKILL the whole tree until nothing is left (or cleanup_seconds pass); returns survivors."""
        deadline = time.monotonic() + self.times.cleanup_seconds
        if self.group.directories:
            self.group.kill(self.times.cleanup_seconds)
        while (pids := self.tree()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)
        return self.tree()

    def end_background(self) -> int:
        """After the last cell, end every process of the tree but the kernel (and the sandbox's own
        processes above it): the checks talk to the kernel alone, and a process left running (a fork
        bomb at the pids limit, busy loops) would slow every probe. Processes are stopped before they
        are killed, so a fork bomb cannot outrun the sweep. Returns how many were ended."""
        kernel = _kernel_process(self.tree())
        if kernel is None:
            return 0
        keep = {kernel, *_ancestors(kernel, set(self.tree()))}
        stopped: set[int] = set()
        deadline = time.monotonic() + self.times.cleanup_seconds
        while time.monotonic() < deadline:
            fresh = [pid for pid in self.tree() if pid not in keep and pid not in stopped]
            if not fresh:
                break
            for pid in fresh:
                _signal(pid, signal.SIGSTOP)
            stopped.update(fresh)
        for pid in stopped:
            _signal(pid, signal.SIGKILL)
        if stopped:
            self.record.details.append(f"{len(stopped)} background processes ended after the last cell")
        return len(stopped)

    # -- the end

    def close(self) -> None:
        """End every process, measure, unmount, remove every file and group. Never raises."""
        if self._closed:
            return
        self._closed = True
        steps = [self._stop_watchdog, self._end, self._measure, self._remove_files, self._remove_group]
        for step in steps:
            try:
                step()
            except Exception as error:  # one failed step must not skip the next
                self.record.details.append(f"cleanup: {step.__name__.strip('_')} failed: {type(error).__name__}: {error}")

    def _stop_watchdog(self) -> None:
        self.watch_stop.set()
        # Long enough for an end of the tree in progress (it kills by uid: the uid must not go back
        # to the pool while a watchdog may still kill with it).
        for watchdog in self.watchdogs:
            watchdog.join(timeout=self.times.cleanup_seconds + 5)

    def _end(self) -> None:
        survivors = self.end_tree()
        if survivors:
            self.record.details.append(f"cleanup: processes {survivors} survived SIGKILL")

    def _measure(self) -> None:
        if self.capped:
            info = os.statvfs(self.box)
            self.record.disk_used_bytes = (info.f_blocks - info.f_bfree) * info.f_frsize
        if "memory" in self.group.applied:
            self.record.peak_memory_bytes = self.group.peak_memory()
            self.record.oom_kills = self.group.oom_kills()
            if self.record.oom_kills:
                self.record.limit_hits.append(
                    f"the notebook's processes together reached the memory limit of {self.limits.tree_memory_bytes / GB:.1f} GB"
                )

    def _remove_files(self) -> None:
        for folder in self.mounted:
            problem = cleanup.unmount(folder)
            if problem:
                self.record.details.append(f"cleanup: unmounting {folder} failed: {problem}")
        cleanup.remove_tree(self.root)
        if self.uid is not None and not self.isolated:  # without a mount namespace it could write elsewhere
            self.record.details += cleanup.remove_owned_by(self.uid, self.began)

    def _remove_group(self) -> None:
        self.record.details += [f"cleanup: cgroup {left} stayed" for left in self.group.remove(self.times.cleanup_seconds)]

    def released(self) -> None:
        """The uid goes back to the pool now: processes started later belong to another grading."""
        self.record.released_at = boot_seconds()


def _read_text(path: Path) -> str:
    try:
        return proc.read_text(path)[:500]  # /proc files and the launcher's status file
    except OSError:
        return ""


def _read_int(path: str) -> int | None:
    text = _read_text(Path(path)).strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except (ProcessLookupError, PermissionError):
        pass


def _kernel_process(pids: list[int]) -> int | None:
    """The kernel among a tree's processes: the earliest started `python -m ipykernel_launcher` (a
    later process that copies its command line starts later; a kernel that hides its own only
    loses; bubblewrap's processes name it only further down their command lines)."""
    kernels = []
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        started = start_time(pid)
        if command.split(b"\0")[1:3] == [b"-m", b"ipykernel_launcher"] and started is not None:
            kernels.append((started, pid))
    return min(kernels)[1] if kernels else None


def _ancestors(pid: int, tree: set[int]) -> list[int]:
    """The processes of `tree` above `pid` (bubblewrap's own, which the kernel lives in)."""
    found = []
    while (parent := parent_of(pid)) is not None and parent in tree and parent not in found:
        found.append(parent)
        pid = parent
    return found

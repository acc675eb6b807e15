"""A control group per grading: memory (tmpfs pages included), processes and CPU of the whole tree.

Works with cgroup v1 (one hierarchy per controller, as on the project's machine), v2 (one
unified hierarchy) and a mix of both: each controller is used where the host mounts it. The
group is made below the grader's own group where the host allows it (so the grader's own
limits still cover it), or higher up on v2, where a group with processes cannot hand
controllers to children. The kernel's command line enters the group itself (see
``join_script``) so that no process of the tree ever runs outside it.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..limits import TreeLimits
from . import proc

CONTROLLERS = ("memory", "pids", "cpu")
V2 = "unified"  # key of the cgroup2 hierarchy in a Mounts map
CPU_PERIOD_US = 100_000  # the kernel's default CFS period


@dataclass(frozen=True)
class Mount:
    point: Path  # where the hierarchy is mounted
    root: str  # which part of the hierarchy is visible there (a container sees its own group as /)


def mounts(mountinfo: str | None = None) -> dict[str, Mount]:
    """Hierarchies by controller name (v1) and V2, from /proc/self/mountinfo."""
    if mountinfo is None:
        mountinfo = proc.read_text("/proc/self/mountinfo")
    found: dict[str, Mount] = {}
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        mount = Mount(Path(fields[4].replace("\\040", " ")), fields[3])
        if tail[0] == "cgroup2":
            found.setdefault(V2, mount)
        elif tail[0] == "cgroup":
            for option in tail[2].split(","):
                if option in CONTROLLERS:
                    found.setdefault(option, mount)
    return found


def own_groups(text: str | None = None) -> dict[str, str]:
    """The grader's own group path by controller (v1) and V2, from /proc/self/cgroup."""
    if text is None:
        text = proc.read_text("/proc/self/cgroup")
    groups = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            groups[V2] = parts[2]
        for controller in parts[1].split(","):
            if controller in CONTROLLERS:
                groups[controller] = parts[2]
    return groups


def _own_directory(mount: Mount, group: str | None) -> Path:
    """The grader's own group as a folder under the mount (the mount itself if not visible there)."""
    root = mount.root.rstrip("/") + "/"
    if group is None or not (group.rstrip("/") + "/").startswith(root):
        return mount.point
    return mount.point / group[len(root):].strip("/")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _v2_parent(mount: Mount, group: str | None) -> Path | None:
    """The nearest group, from the grader's own up to the mount, that can give a child memory and pids."""
    own = _own_directory(mount, group)
    for candidate in [own, *own.parents]:
        if not candidate.is_relative_to(mount.point):
            break
        enabled = set(_read(candidate / "cgroup.subtree_control").split())
        if {"memory", "pids"} <= enabled:
            return candidate
        if candidate == mount.point and {"memory", "pids"} <= set(_read(candidate / "cgroup.controllers").split()):
            try:  # the root may enable controllers although it has processes
                (candidate / "cgroup.subtree_control").write_text("+memory +pids")
                (candidate / "cgroup.subtree_control").write_text("+cpu")
            except OSError:
                pass
            if {"memory", "pids"} <= set(_read(candidate / "cgroup.subtree_control").split()):
                return candidate
    return None


@dataclass
class Cgroup:
    """One grading's group: a folder per hierarchy, and what was set in each."""

    name: str
    folders: dict[str, Path] = field(default_factory=dict)  # controller -> folder (one shared folder on v2)
    applied: dict[str, str] = field(default_factory=dict)  # controller -> what was set, e.g. "cgroup v1: 2.5 GB"
    problems: list[str] = field(default_factory=list)

    @property
    def directories(self) -> list[Path]:
        return sorted(set(self.folders.values()))

    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.directories]

    def members(self) -> list[int]:
        pids: set[int] = set()
        for procs in self.procs_files():
            pids.update(int(p) for p in _read(procs).split())
        return sorted(pids)

    def contains(self, pid: int) -> bool:
        """Whether process `pid` is in every folder of this group."""
        try:
            lines = proc.read_text(f"/proc/{pid}/cgroup").splitlines()
        except OSError:
            return False
        paths = {line.split(":", 2)[2] for line in lines if line.count(":") >= 2}
        return all(any(p.rstrip("/").endswith("/" + folder.name) for p in paths) for folder in self.directories)

    def kill(self, timeout: float) -> list[int]:
        """SIGKILL every process in the group until it is empty; returns survivors."""
        for folder in self.directories:
            try:
                (folder / "cgroup.kill").write_text("1")  # v2, Linux 5.14+: the kernel does it at once
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while (pids := self.members()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        return self.members()

    def peak_memory(self) -> int | None:
        folder = self.folders.get("memory")
        for name in ("memory.peak", "memory.max_usage_in_bytes"):
            text = _read(folder / name).strip() if folder else ""
            if text.isdigit():
                return int(text)
        return None

    def oom_kills(self) -> int:
        folder = self.folders.get("memory")
        for name in ("memory.events", "memory.oom_control"):
            for line in (_read(folder / name) if folder else "").splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and value.strip().isdigit():
                    return int(value)
        return 0

    def remove(self, timeout: float) -> list[str]:
        """Remove every folder (the group must be empty); returns the ones that stayed."""
        left = []
        for folder in self.directories:
            deadline = time.monotonic() + timeout
            while folder.exists():
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    break
                except OSError as error:
                    if time.monotonic() > deadline:
                        left.append(f"{folder}: {error.strerror}")
                        break
                    time.sleep(0.05)
        return left


def _write(folder: Path, name: str, value: str) -> bool:
    try:
        (folder / name).write_text(value)
        return True
    except OSError:
        return False


def _limit_memory(group: Cgroup, folder: Path, v2: bool, limits: TreeLimits) -> None:
    size = str(limits.tree_memory_bytes)
    if v2:
        ok = _write(folder, "memory.max", size)
        _write(folder, "memory.swap.max", "0")
        _write(folder, "memory.oom.group", "1")  # one OOM kill ends the whole tree, not one random child
    else:
        ok = _write(folder, "memory.limit_in_bytes", size)
        if (folder / "memory.memsw.limit_in_bytes").exists():  # memory + swap: swap cannot extend it
            ok = ok and _write(folder, "memory.memsw.limit_in_bytes", size)
        # v1 counts socket buffers of TCP (loopback inside the sandbox) only against a limit of their own.
        if (folder / "memory.kmem.tcp.limit_in_bytes").exists():
            ok = ok and _write(folder, "memory.kmem.tcp.limit_in_bytes", str(limits.tcp_buffer_bytes))
    if ok:
        group.applied["memory"] = f"cgroup {'v2' if v2 else 'v1'}: {limits.tree_memory_bytes / 1024**3:.1f} GB"


def _limit_pids(group: Cgroup, folder: Path, v2: bool, limits: TreeLimits) -> None:
    if _write(folder, "pids.max", str(limits.processes)):
        group.applied["pids"] = f"cgroup {'v2' if v2 else 'v1'}: {limits.processes} processes and threads"


def _limit_cpu(group: Cgroup, folder: Path, v2: bool, limits: TreeLimits) -> None:
    quota = limits.cores * CPU_PERIOD_US
    if v2:
        ok = _write(folder, "cpu.weight", str(limits.cpu_weight)) and _write(folder, "cpu.max", f"{quota} {CPU_PERIOD_US}")
    else:
        shares = str(round(limits.cpu_weight * 1024 / 100))
        ok = _write(folder, "cpu.shares", shares) and _write(folder, "cpu.cfs_period_us", str(CPU_PERIOD_US))
        ok = ok and _write(folder, "cpu.cfs_quota_us", str(quota))
    if ok:
        group.applied["cpu"] = f"cgroup {'v2' if v2 else 'v1'}: weight {limits.cpu_weight}, at most {limits.cores} CPUs"


LIMITERS = {"memory": _limit_memory, "pids": _limit_pids, "cpu": _limit_cpu}


def _clear_stale(parent: Path, prefix: str) -> None:
    """Groups of this prefix left by a grader that was killed (the uid is ours now): end and remove them."""
    try:
        stale = [p for p in parent.iterdir() if p.is_dir() and p.name.startswith(prefix)]
    except OSError:
        return
    for folder in stale:
        Cgroup(folder.name, {"any": folder}).kill(2.0)
        try:
            folder.rmdir()
        except OSError:
            pass


def create(name: str, limits: TreeLimits, stale_prefix: str | None = None, found: dict[str, Mount] | None = None,
           own: dict[str, str] | None = None) -> Cgroup:
    """Make the grading's group in every hierarchy that allows it, with its limits (`found` and
    `own`: the hierarchies and the grader's groups, read from /proc when not given).

    Never raises: what could not be made is missing from ``applied`` and said in ``problems``.
    """
    group = Cgroup(name)
    try:
        found = mounts() if found is None else found
        own = own_groups() if own is None else own
    except OSError as error:
        group.problems.append(f"cgroups unreadable: {error}")
        return group
    for controller in CONTROLLERS:
        v2 = controller not in found and V2 in found
        mount = found.get(controller) or found.get(V2)
        if mount is None:
            continue
        if v2:
            parent = _v2_parent(mount, own.get(V2))
            if parent is None or controller not in _read(parent / "cgroup.subtree_control").split():
                continue
        else:
            parent = _own_directory(mount, own.get(controller))
        folder = parent / name
        if folder not in group.folders.values():
            if stale_prefix:
                _clear_stale(parent, stale_prefix)
            try:
                folder.mkdir()
            except OSError as error:
                group.problems.append(f"{controller}: cannot create {folder} ({error.strerror})")
                continue
        group.folders[controller] = folder
        LIMITERS[controller](group, folder, v2, limits)
    return group

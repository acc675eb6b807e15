"""Removing what a grading leaves on disk, whatever the submission made of it.

A submission controls the shape of its folders: thousands of levels deep (beyond Python's
recursion limit and the kernel's PATH_MAX), millions of entries, unreadable permissions,
symbolic links pointing out. Removal here is iterative and works relative to open folder
descriptors: each folder's subfolders are moved up to the top before the folder is removed, so
the depth never grows and no path is ever longer than two names. Links are removed, never
followed. It runs after every process of the submission has ended, so nothing changes the
tree meanwhile.
"""

from __future__ import annotations

import ctypes
import os
import stat
from itertools import count
from pathlib import Path

MNT_DETACH = 2
TOP_OPEN = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

_libc = ctypes.CDLL(None, use_errno=True)


def mount_tmpfs(target: Path, size_bytes: int, inodes: int) -> str | None:
    """Mount a size-capped tmpfs on target (root only); None on success, else the reason."""
    options = f"size={size_bytes},nr_inodes={inodes},mode=0755".encode()
    flags = 0x2 | 0x4  # MS_NOSUID | MS_NODEV
    if _libc.mount(b"tmpfs", bytes(target), b"tmpfs", flags, options) != 0:
        return os.strerror(ctypes.get_errno())
    return None


def unmount(target: Path) -> str | None:
    """Detach a mount (lazily: nothing can keep it busy); None on success or if not mounted."""
    if not os.path.ismount(target):
        return None
    if _libc.umount2(bytes(target), MNT_DETACH) != 0:
        return os.strerror(ctypes.get_errno())
    return None


def _empty(fd: int, top: int, names: count) -> None:
    """Unlink every non-folder in the folder `fd`; move its subfolders up into `top`."""
    if os.geteuid() != 0:  # a folder the submission made read-only (ours: the uid is the grader's)
        os.fchmod(fd, 0o700)
    with os.scandir(fd) as entries:
        listing = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
    for name, is_dir in listing:
        if not is_dir:
            os.unlink(name, dir_fd=fd)
            continue
        if os.geteuid() != 0:  # moving a folder rewrites its "..": it must be writable
            os.chmod(name, 0o700, dir_fd=fd)
        while True:
            fresh = f".removing-{next(names)}"
            try:
                os.lstat(fresh, dir_fd=top)
            except FileNotFoundError:
                break
        os.rename(name, fresh, src_dir_fd=fd, dst_dir_fd=top)


def _open_folder(name: str, parent: int) -> int:
    try:
        return os.open(name, TOP_OPEN, dir_fd=parent)
    except PermissionError:  # a folder the submission made unreadable (we own it, or we are root)
        os.chmod(name, 0o700, dir_fd=parent)
        return os.open(name, TOP_OPEN, dir_fd=parent)


def remove_tree(path: Path) -> None:
    """Remove path and everything under it, iteratively; raises OSError if something stays."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        return
    parent = os.open(path.parent, TOP_OPEN)
    try:
        top = _open_folder(path.name, parent)
        try:
            names = count()
            _empty(top, top, names)
            while True:  # the top now holds only folders moved up: empty each, then remove it
                with os.scandir(top) as entries:
                    pending = [e.name for e in entries]
                if not pending:
                    break
                for name in pending:
                    fd = _open_folder(name, top)
                    try:
                        _empty(fd, top, names)
                    finally:
                        os.close(fd)
                    os.rmdir(name, dir_fd=top)
        finally:
            os.close(top)
        os.rmdir(path.name, dir_fd=parent)
    finally:
        os.close(parent)


# World-writable places outside the grading's folder where a kernel without a mount namespace can
# leave files (bubblewrap gives it private ones).
SHARED_WRITABLE = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/run/lock"), Path("/dev/mqueue"))


def remove_owned_by(uid: int, since: float, folders: tuple[Path, ...] = SHARED_WRITABLE) -> list[str]:
    """Remove the entries of `folders` owned by `uid` (a uid leased to one grading) and changed at or
    after `since` (time.time() when the grading began); returns problems."""
    problems = []
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
                if info.st_uid == uid and info.st_ctime >= since:
                    remove_tree(Path(entry.path))
            except FileNotFoundError:
                continue
            except OSError as error:
                problems.append(f"{entry.path}: {error.strerror or error}")
    return problems

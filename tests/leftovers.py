"""What one grading left behind, judged from its own containment record (test helper).

Other gradings may run on the machine at the same time (other tests, other people's batches):
every check here looks only at this grading's uid (and only at processes started before the uid
went back to the pool), its own control groups, folder and mounts.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from autograder.engine.cleanup import SHARED_WRITABLE
from autograder.engine.containment import ContainmentRecord
from autograder.engine.sandbox import boot_seconds, processes_of


def _ipc_objects(uid: int) -> list[str]:
    """System V shared memory, semaphores and message queues created by uid."""
    found = []
    for kind in ("shm", "sem", "msg"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        header = lines[0].split() if lines else []
        for line in lines[1:]:
            row = dict(zip(header, line.split(), strict=False))
            if row.get("cuid") == str(uid) or row.get("uid") == str(uid):
                found.append(f"System V {kind} {row.get('key')}")
    return found


def _owned_files(uid: int, before_wall: float) -> list[str]:
    found = []
    for folder in SHARED_WRITABLE:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if info.st_uid == uid and info.st_ctime <= before_wall:
                found.append(entry.path)
    return found


def left_behind(record: ContainmentRecord | None) -> list[str]:
    """Everything of this grading that outlived it: processes, files, groups, mounts, IPC objects."""
    if record is None:  # no kernel ever ran (a broken file)
        return []
    left = [path for path in [record.folder, *record.cgroups] if Path(path).exists()]
    left += [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if record.folder in line]
    if record.uid is not None:
        assert record.released_at is not None, "the grading never released its uid"
        left += [f"process {pid}" for pid in processes_of({record.uid}, started_before=record.released_at)]
        released_wall = time.time() - (boot_seconds() - record.released_at)
        left += _owned_files(record.uid, released_wall + 1.0)
        left += _ipc_objects(record.uid)
    return left

"""Test helper: a copy of the repository's tracked files, to change without touching the working tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from autograder.course.paths import REPO


def copy_tracked_tree(target: Path) -> Path:
    """Copy every file git tracks into target (created); returns target."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (t.decode() for t in tracked)):
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target

"""Reading /proc about other processes. Its text files carry names a submission chooses (a process
may name itself with any bytes: `/proc/self/comm`), and one that is not UTF-8 must not break the
grader or another grading that walks /proc, so every such file is decoded leniently here."""

from __future__ import annotations

from pathlib import Path


def read_text(path: str | Path) -> str:
    """The file's text, bytes that are not UTF-8 replaced; raises OSError as reading does (gone, denied)."""
    return Path(path).read_bytes().decode("utf-8", errors="replace")

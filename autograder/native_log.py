"""Keep native libraries' start-up lines off the instructor's terminal: they go to a log file.

Importing TensorFlow writes "oneDNN custom operations are on ..." and "All log messages before
absl::InitializeLog() is called are written to STDERR" straight to file descriptor 2, whatever
``TF_CPP_MIN_LOG_LEVEL`` says: absl sends every message to stderr until it is initialised, and
TensorFlow's Python import never initialises it (``TF_ENABLE_ONEDNN_OPTS=0`` would silence the
first line only by changing the arithmetic). The grader imports TensorFlow in its own process (the
judge rebuilds models) and in every Dask worker, so the commands that grade point descriptor 2 at
a log for the rest of the process, and give Python's ``sys.stderr`` (messages, progress bars,
warnings, tracebacks) a duplicate of the terminal. Child processes inherit descriptor 2: what Dask
workers and the similarity step print goes to the same log.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

_terminal: io.TextIOBase | None = None  # sys.stderr on the real terminal, once descriptor 2 is a log


def _writes_to_descriptor_2(stream: object) -> bool:
    try:
        return stream.fileno() == 2  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # io.StringIO and other streams without a descriptor
        return False


def send_native_output_to(log: Path) -> Path:
    """From now on, descriptor 2 (native libraries, child processes) appends to log; sys.stderr stays
    on the terminal. Calling it again moves descriptor 2 to the new log. Returns log."""
    global _terminal
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    if _terminal is None and _writes_to_descriptor_2(sys.stderr):  # else (captured, redirected) it stays
        encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
        saved = os.dup(2)  # not inherited by children (os.dup makes non-inheritable descriptors)
        _terminal = io.TextIOWrapper(io.FileIO(saved, "w"), encoding=encoding, errors="backslashreplace",
                                     line_buffering=True, write_through=True)
        sys.stderr = _terminal
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(sys.argv[1:])[:500]}\n".encode())
        os.dup2(fd, 2)
    finally:
        os.close(fd)
    return log

"""Gradescope: grade the one submission inside Gradescope's container (``run_autograder``).

Gradescope runs ``/autograder/run_autograder`` once per submission in a fresh container; it
must leave ``/autograder/results/results.json``, whatever the submission does.
"""

from __future__ import annotations

import json
import tempfile
import traceback
from pathlib import Path

from ..atomic import write_atomically
from ..course.assignments import Assignment
from ..engine.load import notebook_in_folder
from ..limits import GRADER_MEMORY_BYTES, GRADESCOPE

ROOT = Path("/autograder")


def _submitted_file(folder: Path, notebook_name: str) -> Path:
    """The file to grade among what the student uploaded (a missing one grades as unreadable)."""
    chosen = notebook_in_folder(folder, notebook_name) if folder.is_dir() else None
    return chosen or folder / notebook_name


def container_memory() -> int | None:
    """The container's memory limit from its cgroup (v2, then v1), or None when unlimited/unknown."""
    for path in (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes")):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**50:
            return int(text)
    return None


def kernel_memory_limit(container: int | None) -> int:
    """The submission's memory: the container's less 0.5 GB for the grader, and never less than
    the profile's (the lesson's kernel needs ~2.5 GB: 2.0 GB made the reference fail)."""
    default = GRADESCOPE.tree.tree_memory_bytes
    if container is None:
        return default
    return max(default, container - GRADER_MEMORY_BYTES)


def run_in_container(assignment: Assignment, root: Path = ROOT) -> Path:
    """Grade /autograder/submission, write /autograder/results/results.json; never raises for bad input."""
    from dataclasses import replace

    from ..engine import GradingOptions, grade_submission

    results = root / "results" / "results.json"
    with tempfile.TemporaryDirectory(prefix="gradescope-") as out:
        try:
            submitted = _submitted_file(root / "submission", assignment.notebook_name)
            # Each submission gets a fresh container; where Docker forbids namespaces, grade with
            # limits and a user switch rather than refusing every student (see README, Gradescope).
            memory = kernel_memory_limit(container_memory())
            tree = replace(GRADESCOPE.tree, tree_memory_bytes=memory, process_memory_bytes=memory)
            options = GradingOptions(
                assignment.task(), replace(GRADESCOPE, tree=tree), require_sandbox=False, require_unprivileged=True
            )
            result = grade_submission(submitted, Path(out), options)
            produced = Path(out) / result.submission / "results.json"
            write_atomically(results, produced.read_text(encoding="utf-8"))
        except Exception as error:  # the engine never should; a results file is still owed to Gradescope
            message = f"The autograder failed ({type(error).__name__}); your instructor has been told."
            write_atomically(results, json.dumps({"score": 0.0, "output": message, "tests": []}, indent=2) + "\n")
            traceback.print_exc()  # Gradescope shows the autograder's output to instructors
    return results


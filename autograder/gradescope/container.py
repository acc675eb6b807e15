"""Gradescope: grade the one submission inside Gradescope's container (``run_autograder``).

Gradescope runs ``/autograder/run_autograder`` once per submission in a fresh container; it
must leave ``/autograder/results/results.json``, whatever the submission does.

Gradescope keeps nothing of the container but results.json and the autograder's standard
output, which it shows to instructors only. So how a submission was graded (bubblewrap or the
no-namespace fallback, and why), the grader's own failures and the instructor notes go into a
*grading record*, printed to standard output and added to results.json as an informational
test with no points and ``"visibility": "hidden"`` (Gradescope: never shown to students, always
to instructors, and it does not hide the student's total).
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import traceback
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..atomic import write_atomically
from ..course.assignments import Assignment
from ..engine.load import notebook_in_folder, pack_folder
from ..engine.results import GradeResult
from ..engine.sandbox import SandboxUnavailable, can_drop_user, check_available, describe
from ..limits import GB, GRADER_MEMORY_BYTES, GRADESCOPE, Profile

ROOT = Path("/autograder")
RECORD_NAME = "Grading record (instructors only)"
# The packages whose versions can change a verdict, named in the record (they differ by image).
RECORDED_PACKAGES = ("tensorflow-cpu", "keras", "numpy", "scikit-learn", "otter-grader")


def _submitted_file(folder: Path, notebook_name: str, staging: Path) -> Path:
    """The file to grade among what the student uploaded (a missing one grades as unreadable). Several
    notebooks are packed into one zip in staging: the load stage grades the one with answers and says so."""
    if not folder.is_dir():
        return folder / notebook_name
    chosen = notebook_in_folder(folder)
    if chosen is None and any(p.suffix.lower() == ".ipynb" for p in folder.rglob("*")):
        return pack_folder(folder, staging / "submission.zip")
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


def container_profile(container: int | None) -> Profile:
    """The Gradescope profile with the submission's memory fitted to this container."""
    memory = kernel_memory_limit(container)
    return replace(GRADESCOPE, tree=replace(GRADESCOPE.tree, tree_memory_bytes=memory, process_memory_bytes=memory))


def sandbox_path(profile: Profile, data_dir: Path | None) -> str:
    """How the kernel will run here, in words for the instructor.

    The same probe, with the same arguments, as the engine's own choice between bubblewrap
    and the no-namespace path; this one also keeps the reason for the instructor.
    """
    try:
        check_available(profile.tree, data_dir)
    except SandboxUnavailable as reason:
        user = "an unprivileged uid" if can_drop_user() else "the grader's own user"
        return f"NO bubblewrap (resource limits and {user} only): {reason}"
    except Exception as error:  # the engine's own probe will meet it too and record a grader failure
        return f"the sandbox probe failed: {type(error).__name__}: {error}"
    user = "an unprivileged uid" if os.geteuid() == 0 else "the grader's own uid"
    return f"bubblewrap, own namespaces and {user}: {describe()}"


def _environment() -> str:
    try:
        os_name = platform.freedesktop_os_release().get("PRETTY_NAME", "unknown OS")
    except OSError:
        os_name = "unknown OS"
    packages = []
    for name in RECORDED_PACKAGES:
        try:
            packages.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            packages.append(f"{name} missing")
    return f"{os_name}, Python {platform.python_version()}, " + ", ".join(packages)


def grading_record(result: GradeResult | None, sandbox: str, profile: Profile, container: int | None, notes: list[str]) -> str:
    """The text instructors read about one grading (never shown to the student)."""
    lines = [RECORD_NAME]
    if result is not None:
        stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in result.stages.items())
        lines.append(f"status: {result.status}, {result.score:g}/{result.max_score:g} in {result.seconds:.1f} s ({stages})")
    limit = "unknown" if container is None else f"{container / GB:.2f} GB"
    lines += [
        f"sandbox: {sandbox}",
        f"memory of the submission: {profile.tree.tree_memory_bytes / GB:.2f} GB (container limit: {limit})",
        f"environment: {_environment()}",
    ]
    if notes:
        lines += ["notes:", *notes]
    return "\n".join(lines)


def _record_test(record: str, ok: bool) -> dict:
    """An informational test: no points, hidden from students, flagged failed when the grader failed."""
    return {"name": RECORD_NAME, "status": "passed" if ok else "failed", "output": record, "visibility": "hidden"}


def run_in_container(assignment: Assignment, root: Path = ROOT) -> Path:
    """Grade /autograder/submission, write /autograder/results/results.json; never raises for bad input."""
    from ..engine import GradingOptions, grade_submission

    results = root / "results" / "results.json"
    container = container_memory()
    profile = container_profile(container)
    task = assignment.task()
    sandbox = sandbox_path(profile, task.data_dir)
    with tempfile.TemporaryDirectory(prefix="gradescope-") as out:
        try:
            submitted = _submitted_file(root / "submission", assignment.notebook_name, Path(out))
            # Each submission gets a fresh container; where Docker forbids namespaces, grade with
            # limits and a user switch rather than refusing every student (see README, Gradescope).
            options = GradingOptions(task, profile, require_sandbox=False)
            result = grade_submission(submitted, Path(out), options)
            document = json.loads((Path(out) / result.submission / "results.json").read_text(encoding="utf-8"))
            record = grading_record(result, sandbox, profile, container, result.instructor_notes)
            ok = result.status.final  # grader-error and no-sandbox are the grader's failures
        except Exception as error:  # the engine never should; a results file is still owed to Gradescope
            message = f"The autograder failed ({type(error).__name__}); your instructor has been told."
            document = {"score": 0.0, "output": message, "stdout_visibility": "hidden", "tests": []}
            record = grading_record(None, sandbox, profile, container, [traceback.format_exc()])
            ok = False
    document["tests"].append(_record_test(record, ok))
    write_atomically(results, json.dumps(document, indent=2, allow_nan=False) + "\n")
    print(record, flush=True)  # Gradescope shows the autograder's standard output to instructors only
    return results

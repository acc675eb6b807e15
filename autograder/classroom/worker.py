"""What runs on a Dask worker: grade one submission from its bytes, and describe the worker.

Only workers import this module. The client names its functions (``cluster.submit_by_name``)
instead of pickling references to them, so a scheduler started with plain ``dask scheduler``
holds the tasks without importing the grader. A submission arrives as bytes and leaves as the
text of its result files, so workers need this repository, not a shared file system.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import zipfile
from pathlib import Path

from ..course.assignments import ASSIGNMENTS, Assignment, get_assignment
from ..course.paths import REPO
from ..engine.load import SubmissionError, load_submission
from ..engine.report import result_files
from ..engine.results import GradeResult, Status
from .manifest import grader_version, version_for


def grade_payload(submission_id: str, file_name: str, payload: bytes | None, requested: str | None,
                  require_sandbox: bool) -> dict:
    """Grade one submission as the requested assignment, or (None) as the one it is identified as."""
    from ..engine import GradingOptions, grade_submission

    with tempfile.TemporaryDirectory(prefix="autograder-batch-") as tmp:
        source = Path(tmp) / "in" / f"{submission_id}{Path(file_name).suffix}"
        source.parent.mkdir()
        if payload is not None:
            source.write_bytes(payload)
        if requested:
            assignment = get_assignment(requested)
            task = assignment.task()
        else:
            assignment, status, reason = identify_submission(source, file_name)
            if assignment is None:
                return returned(GradeResult(submission_id, [], status, [reason]), None)
            task = dataclasses.replace(assignment.task(), identify=None)  # identified once, here
        result = grade_submission(source, Path(tmp) / "out", GradingOptions(task, require_sandbox=require_sandbox))
    return returned(result, assignment)


def identify_submission(path: Path, file_name: str) -> tuple[Assignment | None, Status, str]:
    """The assignment a submitted file is; else why not (unreadable, or recognised by none)."""
    candidates = list(ASSIGNMENTS.values())
    if len(candidates) == 1:
        return candidates[0], Status.GRADED, ""
    from ..course.identify import identify

    readable = False
    problem = ""
    for assignment in candidates:  # a zip's notebook is picked as each assignment's grading would pick it
        try:
            notebook = load_submission(path, assignment.task().expected()).notebook
        except SubmissionError as error:
            problem = str(error)
            continue
        readable = True
        found = identify(notebook, file_name, candidates)
        if found is not None:
            return found, Status.GRADED, ""
        if not zipfile.is_zipfile(path):
            break  # a plain notebook reads the same whatever name is preferred
    if not readable:
        return None, Status.UNREADABLE, problem
    names = ", ".join(a.notebook_name for a in candidates)
    return None, Status.WRONG_ASSIGNMENT, (
        "The grader could not tell which assignment this notebook is: it does not carry the assignment's name "
        f"in its metadata, its file name is none of {names}, and it defines too few of any assignment's functions. "
        "Submit the notebook you were given (under its original name), with your answers in it."
    )


def returned(result: GradeResult, assignment: Assignment | None) -> dict:
    """What travels back from a worker: the result's files and the figures the manifest keeps."""
    return {
        "files": result_files(result, assignment.config() if assignment else {}),
        "status": str(result.status),
        "score": result.score,
        "max_score": result.max_score,
        "questions": {q: list(s) for q, s in result.question_scores().items()},
        "seconds": round(result.seconds, 2),
        "stages": {stage: round(seconds, 2) for stage, seconds in result.stages.items()},  # where the seconds went
        "assignment": assignment.name if assignment else None,
        "grader_version": version_for(assignment.name if assignment else None),
    }


def failed_payload(submission_id: str, requested: str | None, note: str) -> dict:
    """What a submission gets when its grading failed outside the engine (the worker died under it)."""
    from ..engine import GradingOptions
    from ..engine.pipeline import grader_failed

    result = GradeResult(submission_id, [])
    if requested:
        assignment = get_assignment(requested)
        grader_failed(result, GradingOptions(assignment.task()), note)
        return returned(result, assignment)
    result.status = Status.GRADER_ERROR
    result.summary.append("The grader failed on this submission; your instructor has been told.")
    result.instructor_notes.append(note)
    return returned(result, None)


def worker_report() -> dict:
    """Run on each worker before grading: where its grader lives and which version it is."""
    return {
        "python": sys.version.split()[0],
        "repository": str(REPO),
        "versions": {name: grader_version(a) for name, a in ASSIGNMENTS.items() if a.built},
    }

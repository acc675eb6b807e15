"""The class outputs in OUT: a gradebook, a report and a similarity ranking per assignment.

One batch may hold several assignments (``grade`` without ``--assignment`` identifies each
submission's). Each assignment gets its own gradebook, since its questions are its own: with
one assignment the files are ``grades.csv``, ``report.html`` and ``similarity.csv``; with
several, ``grades-<assignment>.csv`` and so on. Submissions of no known assignment (unreadable,
recognised by none, or not graded yet) join the only assignment when there is one, else their
own ``grades-unidentified.csv``.

Each output is written whatever the others do: grades.csv first (it only reads manifests), then
the run's changes (``changes.csv`` when it graded again what was graded before, see regrade.py), then
similarity in a bounded child process (not started for fewer than two submissions: there is no pair),
then the report, which falls back to a plain page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..course.assignments import Assignment, get_assignment
from ..limits import CLASSROOM
from .batch import BatchSettings
from .bounded import StepFailed, run_bounded
from .class_report import write_class_report
from .collect import Submission
from .gradebook import write_grades_csv
from .regrade import Change, write_changes_csv
from .similarity import similar_submissions, write_similarity_csv

UNIDENTIFIED = "unidentified"


@dataclass
class ClassOutputs:
    paths: dict[str, Path] = field(default_factory=dict)  # file stem (grades, grades-mnist_nn, ...) -> file
    notes: list[str] = field(default_factory=list)  # what the instructor should know (a step that failed)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, summed over assignments


def assignment_groups(submissions: list[Submission], manifests: dict[str, dict]) -> dict[str | None, list[Submission]]:
    """Submissions by the assignment they were graded as (None: none), in their given order."""
    groups: dict[str | None, list[Submission]] = {}
    for sub in submissions:
        groups.setdefault((manifests.get(sub.id) or {}).get("assignment"), []).append(sub)
    named = [name for name in groups if name]
    if len(named) == 1 and None in groups:
        groups[named[0]] += groups.pop(None)
    return groups


def write_class_outputs(submissions: list[Submission], manifests: dict[str, dict], settings: BatchSettings,
                        changes: Sequence[Change] = ()) -> ClassOutputs:
    """The gradebook, the changes of a regrade, the report and the similarity ranking of each assignment in the batch."""
    groups = assignment_groups(submissions, manifests)
    if list(groups) == [None] and settings.assignment is not None:  # nothing graded: still the asked-for assignment
        groups = {settings.assignment.name: groups[None]}
    written = ClassOutputs()
    for name, members in groups.items():
        ids = {s.id for s in members}
        group_changes = [c for c in changes if c.submission.id in ids]
        suffix = f"-{name or UNIDENTIFIED}" if len(groups) > 1 else ""
        _write_group(name, members, manifests, settings, suffix, written, group_changes)
    return written


def _write_group(name: str | None, members: list[Submission], manifests: dict[str, dict], settings: BatchSettings,
                 suffix: str, written: ClassOutputs, changes: list[Change]) -> None:
    """grades.csv first (it reads only the manifests), then the changes, similarity, and the report."""
    assignment = get_assignment(name) if name else None
    notes: list[str] = []

    def path(stem: str, extension: str) -> Path:
        written.paths[stem + suffix] = settings.out / f"{stem}{suffix}{extension}"
        return written.paths[stem + suffix]

    def timed(step: str, mark: float) -> None:
        written.timings[step] = written.timings.get(step, 0.0) + time.perf_counter() - mark

    mark = time.perf_counter()
    write_grades_csv(members, manifests, path("grades", ".csv"))
    if changes:
        write_changes_csv(changes, path("changes", ".csv"))
    timed("gradebook", mark)
    mark = time.perf_counter()
    similar = None
    if settings.similarity and assignment is not None:
        similar = _similarity(members, manifests, assignment, notes)
        if similar is not None:
            write_similarity_csv(similar, path("similarity", ".csv"))
    timed("similarity", mark)
    mark = time.perf_counter()
    graded = sum(s.id in manifests for s in members)
    title = f"{assignment.title if assignment else 'Submissions of no known assignment'}: {graded} submissions"
    entries = _report_entries(members, manifests, settings.out, notes)
    write_class_report(entries, path("report", ".html"), title, similar, notes, changes)
    timed("report", mark)
    written.notes += notes


def _similarity(members: list[Submission], manifests: dict[str, dict], assignment: Assignment, notes: list[str]):
    """The similar pairs, computed in a bounded child process; None (and a note) when that fails."""
    files = {sub.id: sub.path for sub in members if sub.id in manifests}
    if len(files) < 2:  # no pair to compare: no child process to start
        return []
    args = (files, assignment.student_notebook, assignment.notebook_name)
    seconds = CLASSROOM.similarity_base_seconds + CLASSROOM.similarity_seconds_per_submission * len(files)
    try:
        return run_bounded(similar_submissions, args, seconds, CLASSROOM.similarity_memory_bytes)
    except StepFailed as error:
        notes.append(f"Similarity of {assignment.name} was not computed: {error}. The grades are complete.")
        return None


def _report_entries(members: list[Submission], manifests: dict[str, dict], out: Path, notes: list[str]) -> list[dict]:
    entries = []
    for sub in members:
        if sub.id not in manifests:
            continue
        try:
            results = json.loads((out / sub.id / "results.json").read_text())
        except (OSError, ValueError) as error:
            notes.append(f"{sub.id}: its results.json could not be read ({error}); it is left out of the report.")
            continue
        entries.append({"submission": sub.id, "name": sub.name, "email": sub.email,
                        "status": manifests[sub.id]["status"], "results": results})
    return entries

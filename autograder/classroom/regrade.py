"""Regrades that show what changed: the earlier results kept, and per student the old and new scores.

A submission with an earlier grading is graded again when the grader version changed (a hidden
test was fixed), when its submitted file changed, when it is asked for as another assignment, when
its earlier grading failed (grader-error, no-sandbox) or when the instructor forces it (--force).
Before its new results replace the old ones, its folder is copied to
``OUT/previous/<run>/<submission>/``, and the first time in a run the class outputs as they were
(grades.csv, report.html, ...) go to ``OUT/previous/<run>/``: nothing of the earlier run is lost,
even when the run is interrupted. The run's changes, old and new score per question and the
reasons, go to ``changes.csv`` and a line on the terminal and in report.html
("12 students changed: 11 up, 1 down").
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..atomic import write_atomically
from ..engine.results import FINAL_STATUSES, ordered_questions
from .collect import CLASS_OUTPUT, PREVIOUS, Person, Submission
from .gradebook import spreadsheet_text

# Why a submission with an earlier grading is graded again (the manifest's fields that differ).
VERSION_CHANGED = "grader version changed"
SUBMISSION_CHANGED = "submission changed"
REQUEST_CHANGED = "graded as another assignment"
EARLIER_FAILED = "earlier grading failed"
IDENTITY_CHANGED = "identified as another assignment"
FORCED = "forced (--force)"


def regrade_reasons(manifest: dict, digest: str, version: str, requested: str | None, force: bool,
                    same_identity: Callable[[], bool] | None = None) -> list[str]:
    """Why a submission graded before (manifest) is graded again; empty: it is current. same_identity, when
    given, says whether it is still identified as the assignment its manifest records (asked only when
    nothing else changed: it may read the submission again)."""
    reasons = []
    if manifest.get("grader_version") != version:
        reasons.append(VERSION_CHANGED)
    if manifest.get("content_sha256") != digest:
        reasons.append(SUBMISSION_CHANGED)
    if manifest.get("requested") != requested:
        reasons.append(REQUEST_CHANGED)
    if manifest.get("status") not in FINAL_STATUSES:
        reasons.append(f"{EARLIER_FAILED} ({manifest.get('status')})")
    if not reasons and same_identity is not None and not same_identity():
        reasons.append(IDENTITY_CHANGED)
    if force and not reasons:
        reasons.append(FORCED)
    return reasons


@dataclass
class Change:
    """One submission graded again in this run: its earlier and its new manifest."""

    submission: Submission
    reasons: list[str]
    old: dict
    new: dict
    archived: str  # where its earlier files are, relative to OUT

    @property
    def delta(self) -> float:
        return float(self.new.get("score", 0.0)) - float(self.old.get("score", 0.0))

    @property
    def changed(self) -> bool:
        """Any question's score or the status differs (a total can stay while two questions swap points)."""
        return self.delta != 0 or self.old.get("status") != self.new.get("status") or any(
            _points(self.old, q) != _points(self.new, q) for q in self.questions
        )

    @property
    def questions(self) -> list[str]:
        return ordered_questions([*self.old.get("questions", {}), *self.new.get("questions", {})])

    @property
    def students(self) -> int:
        return max(1, len(self.submission.people))

    @property
    def name(self) -> str:
        return self.submission.name


def _points(manifest: dict, question: str) -> float | None:
    scores = manifest.get("questions", {}).get(question)
    return float(scores[0]) if scores else None


@dataclass
class Archive:
    """OUT/previous/<run>/: where this run keeps the earlier files before replacing them (made on first use)."""

    out: Path
    run: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ"))
    folder: Path | None = None

    def keep(self, submission_id: str) -> str:
        """Copy OUT/<id>/ (and, the first time, the class outputs) under the run's folder; returns the copy's
        path relative to OUT. Raises OSError when it cannot: then the earlier results must not be replaced."""
        if self.folder is None:
            self.folder = self._new_folder()
            for path in sorted(self.out.iterdir()):
                if path.is_file() and CLASS_OUTPUT.fullmatch(path.name):
                    _copy_whole(path, self.folder / path.name)
        source, target = self.out / submission_id, self.folder / submission_id
        if source.is_dir() and not target.exists():
            _copy_whole(source, target)
        return str(target.relative_to(self.out))

    def _new_folder(self) -> Path:
        base = self.out / PREVIOUS
        base.mkdir(parents=True, exist_ok=True)
        name, number = self.run, 1
        while (base / name).exists():  # two runs in the same second
            number += 1
            name = f"{self.run}-{number}"
        (base / name).mkdir()
        return base / name


def _copy_whole(source: Path, target: Path) -> None:
    """Copy a file or folder so that target appears whole or not at all."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True) if partial.is_dir() else partial.unlink(missing_ok=True)
    if source.is_dir():
        shutil.copytree(source, partial)
    else:
        shutil.copy2(source, partial)
    os.replace(partial, target)


def summary_line(changes: list[Change]) -> str:
    """'12 students changed: 11 up, 1 down (30 regraded: grader version changed)'."""
    moved = [c for c in changes if c.changed]
    up = sum(c.students for c in moved if c.delta > 0)
    down = sum(c.students for c in moved if c.delta < 0)
    same = sum(c.students for c in moved if c.delta == 0)
    parts = [f"{n} {word}" for n, word in ((up, "up"), (down, "down"), (same, "same total")) if n]
    reasons = sorted({r for c in changes for r in c.reasons})
    regraded = sum(c.students for c in changes)
    head = f"{sum(c.students for c in moved)} student{'s' if sum(c.students for c in moved) != 1 else ''} changed"
    return head + (": " + ", ".join(parts) if parts else "") + f" ({regraded} regraded: {'; '.join(reasons)})"


def write_changes_csv(changes: list[Change], path: Path) -> None:
    """One row per student graded again: the reasons, old and new total and status, old and new score per question."""
    questions = ordered_questions(q for c in changes for q in c.questions)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "SID", "Email", "Submission", "Reason", "Old total", "New total", "Change", "Old status",
                     "New status", *[f"{q} {when}" for q in questions for when in ("old", "new")], "Previous results"])
    for change in changes:
        scores = [_shown(_points(m, q)) for q in questions for m in (change.old, change.new)]
        marks = [_shown(change.old.get("score")), _shown(change.new.get("score")), f"{change.delta:+g}",
                 spreadsheet_text(str(change.old.get("status", ""))), spreadsheet_text(str(change.new.get("status", ""))),
                 *scores]
        for person in change.submission.people or (Person(),):
            identity = [person.name, person.sid, person.email, change.submission.id, "; ".join(change.reasons)]
            writer.writerow([*(spreadsheet_text(t) for t in identity), *marks, spreadsheet_text(change.archived)])
    write_atomically(path, buffer.getvalue())


def _shown(value: float | None) -> str:
    return "" if value is None else f"{float(value):g}"

"""The gradebook: ``grades.csv``, one row per student, as Gradescope's and Canvas's imports read it.

Columns: Name, SID, Email, Submission, one per question (natural order), Total, Max, Status.
Each member of a group submission gets the group's row; a submission not graded (yet) gets a
row saying so. Every text cell is escaped against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..atomic import write_atomically
from ..engine.results import ordered_questions
from .collect import Person, Submission

NOT_GRADED = "not graded"
# What makes a spreadsheet read a cell as a formula (or a command, once a tab or CR is stripped).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """A text cell a spreadsheet shows as text: a leading quote before anything that starts a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _marks(manifest: dict | None, questions: list[str]) -> list[str]:
    if manifest is None:
        return [*[""] * len(questions), "", "", NOT_GRADED]
    scores = [f"{manifest['questions'].get(q, [0.0])[0]:g}" for q in questions]
    return [*scores, f"{manifest['score']:g}", f"{manifest['max_score']:g}", spreadsheet_text(str(manifest["status"]))]


def write_grades_csv(submissions: list[Submission], manifests: dict[str, dict], path: Path) -> None:
    """One row per student (each member of a group submission gets the group's row), gradebook
    style: identity, per-question scores, total, status."""
    questions = ordered_questions(q for s in submissions for q in manifests.get(s.id, {}).get("questions", {}))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "SID", "Email", "Submission", *questions, "Total", "Max", "Status"])
    for sub in submissions:
        marks = _marks(manifests.get(sub.id), questions)
        for person in sub.people or (Person(),):
            identity = [person.name, person.sid, person.email, sub.id]
            writer.writerow([*(spreadsheet_text(text) for text in identity), *marks])
    write_atomically(path, buffer.getvalue())

"""Grades into the LMS: the file Canvas's gradebook import reads, made from Canvas's own gradebook export.

Canvas imports a CSV laid out like the one its gradebook exports (Grades > Export > Export Entire
Gradebook), and that is the template this module reads:

* a header row whose identity columns come first: ``Student`` ("Last, First"), ``ID`` (Canvas's own
  user number), then, when the course has them, ``SIS User ID`` and ``SIS Login ID`` (the
  institution's student number and login), sometimes ``Integration ID`` and ``Root Account``, and
  last ``Section``; then one column per assignment, named ``<title> (<assignment number>)``, then
  read-only computed columns (``Current Score``, ``Final Grade``, ...);
* a ``Points Possible`` row (its first cell says so), with ``(read only)`` under computed columns;
  sometimes a ``Manual Posting`` row; then one row per student.

Canvas identifies a row's student by ``ID``, then by the SIS columns, then by name; a blank grade
changes nothing, and an assignment column whose title Canvas does not know creates that assignment.
The file written here keeps the template's identity columns and rows exactly (so Canvas matches on
its own ``ID``), its Points Possible row, and one assignment column: the chosen one, with each
student's total from grades.csv. A submission is given to a student of the template only when one
of its identifiers (the SID and email that came from Gradescope's export) equals one of the
student's (SIS User ID or SIS Login ID, compared without case or surrounding spaces) and no other
student or submission claims the same match; names are never matched (two students can share one).
Every student of the template without a graded submission, and every submission that matches no
student, is listed; their cells stay blank, which Canvas reads as "no change".
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_atomically
from .gradebook import FORMULA_STARTS, NOT_GRADED, spreadsheet_text

# Canvas's identity columns, in the order its export writes them; Student, ID and Section are always there.
IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section")
MATCHED_ON = ("SIS User ID", "SIS Login ID")  # the template's identifiers a submission's SID or email may equal
# Columns Canvas computes and ignores on import (also with "Unposted " or an assignment group's name before them).
COMPUTED = re.compile(r"(Current|Final|Override) (Score|Points|Grade|Status)")
POINTS_POSSIBLE = "Points Possible"
SKIPPED_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)  # rows Canvas's import skips
ASSIGNMENT_NUMBER = re.compile(r"^(?P<title>.*\S)\s*\((?P<number>\d+)\)$")
EXPORT_HINT = "export it from Canvas: Grades > Export > Export Entire Gradebook"


class LmsError(Exception):
    """The template or the grades cannot be used; the message says why and what to do."""


@dataclass
class CanvasExport:
    """What a Canvas gradebook export holds that the import needs."""

    identity: list[str]  # the identity columns present, in the export's order (Student ... Section)
    assignments: list[str]  # assignment columns, "<title> (<number>)"
    points: dict[str, str]  # column -> its Points Possible cell
    students: list[dict[str, str]]  # identity column -> cell, one per student row


@dataclass(frozen=True)
class GradeRow:
    """One row of grades.csv."""

    name: str
    sid: str
    email: str
    submission: str
    total: float | None  # None: not graded
    max: float | None
    status: str


@dataclass
class Matching:
    scores: dict[int, GradeRow] = field(default_factory=dict)  # template student index -> their row of grades.csv
    no_submission: list[int] = field(default_factory=list)  # template students no submission matched
    not_graded: list[tuple[int, GradeRow]] = field(default_factory=list)  # matched, but no score yet
    unmatched: list[GradeRow] = field(default_factory=list)  # graded submissions matching no student
    conflicts: list[str] = field(default_factory=list)  # matches left out because they are not one to one


def _rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets add a byte-order mark
    except (OSError, UnicodeDecodeError) as error:
        raise LmsError(f"{path} cannot be read as UTF-8 text ({type(error).__name__})") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # Canvas exports with ";" in some locales
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise LmsError(f"{path} is not a readable CSV file ({error})") from None


def read_canvas_export(path: Path) -> CanvasExport:
    """The students, assignment columns and points of a Canvas gradebook export."""
    rows = _rows(Path(path))
    header = [cell.strip() for cell in rows[0]] if rows else []
    if len(header) < 3 or "Student" not in header[0] or header[1] != "ID" or "Section" not in header:
        shown = ", ".join(header[:4]) or "nothing"
        raise LmsError(f"{path} is not a Canvas gradebook export (it starts with {shown}, not Student, ID, ..., "
                       f"Section): {EXPORT_HINT}")
    end = header.index("Section") + 1
    identity = header[:end]
    unknown = [name for name in identity if name not in IDENTITY]
    if unknown:
        raise LmsError(f"{path}: unexpected column(s) {', '.join(unknown)} before Section: {EXPORT_HINT}")
    assignments = [name for name in header[end:] if name and not COMPUTED.search(name)]
    points: dict[str, str] = {}
    students = []
    for row in rows[1:]:
        cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
        if POINTS_POSSIBLE in (row[0] if row else ""):
            points = {name: cells.get(name, "") for name in assignments}
        elif any(cells.get(name) for name in identity) and not all(SKIPPED_ROW.match(cell) for cell in row):
            students.append({name: cells.get(name, "") for name in identity})
    return CanvasExport(identity, assignments, points, students)


def _plain(cell: str) -> str:
    """A grades.csv cell as it was before formula escaping."""
    return cell[1:] if cell.startswith("'") and cell[1:2] and cell[1:].startswith(FORMULA_STARTS) else cell


def read_grades_csv(path: Path) -> list[GradeRow]:
    """The rows of a grades.csv written by `grade`."""
    rows = _rows(Path(path))
    header = rows[0] if rows else []
    needed = ["Name", "SID", "Email", "Submission", "Total", "Max", "Status"]
    if any(name not in header for name in needed):
        raise LmsError(f"{path} is not a grades.csv written by `python -m autograder grade` (it needs the columns "
                       f"{', '.join(needed)})")
    grades = []
    for row in rows[1:]:
        cells = {name: _plain(cell) for name, cell in zip(header, row, strict=False)}
        graded = cells.get("Status") != NOT_GRADED and cells.get("Total", "") != ""
        try:
            total = float(cells["Total"]) if graded else None
            most = float(cells["Max"]) if cells.get("Max") else None
        except ValueError:
            raise LmsError(f"{path}: the row of {cells.get('Submission')} has a Total or Max that is not a number") from None
        grades.append(GradeRow(cells.get("Name", ""), cells.get("SID", ""), cells.get("Email", ""),
                               cells.get("Submission", ""), total, most, cells.get("Status", "")))
    return grades


def _key(text: str) -> str:
    return text.strip().casefold()


def match_students(export: CanvasExport, grades: list[GradeRow]) -> Matching:
    """Pair each submission's row with the one template student whose SIS User ID or SIS Login ID equals its SID or
    email; a match that is not one to one is left out and reported."""
    by_key: dict[str, set[int]] = {}
    for index, student in enumerate(export.students):
        for column in MATCHED_ON:
            if _key(student.get(column, "")):
                by_key.setdefault(_key(student[column]), set()).add(index)
    matching, claims = Matching(), {}
    for row in grades:
        found = set().union(*(by_key.get(_key(k), set()) for k in (row.sid, row.email) if _key(k)))
        if len(found) > 1:
            names = "; ".join(export.students[i]["Student"] for i in sorted(found))
            matching.conflicts.append(f"{_who(row)} matches several students ({names}): left out")
        elif found:
            claims.setdefault(found.pop(), []).append(row)
        elif row.total is not None:
            matching.unmatched.append(row)
    for index in range(len(export.students)):
        rows = claims.get(index, [])
        if len(rows) > 1:
            matching.conflicts.append(f"{export.students[index]['Student']} is matched by {len(rows)} submissions "
                                      f"({', '.join(r.submission for r in rows)}): left blank")
        elif rows and rows[0].total is None:
            matching.not_graded.append((index, rows[0]))
        elif rows:
            matching.scores[index] = rows[0]
        else:
            matching.no_submission.append(index)
    return matching


def _who(row: GradeRow) -> str:
    details = ", ".join(x for x in (row.name, row.sid, row.email) if x)
    return f"{row.submission} ({details})" if details else row.submission


def student_label(student: dict[str, str]) -> str:
    ids = ", ".join(f"{c} {student[c]}" for c in MATCHED_ON if student.get(c))
    return f"{student.get('Student', '')}" + (f" ({ids})" if ids else "")


def choose_column(export: CanvasExport, wanted: str) -> tuple[str, bool]:
    """The template's column for `wanted` (its exact header, or its title without the number) and whether it exists;
    a title the export does not have is a new assignment, which Canvas creates on import."""
    if wanted in export.assignments:
        return wanted, True
    titled = [c for c in export.assignments if (m := ASSIGNMENT_NUMBER.match(c)) and m.group("title") == wanted.strip()]
    if len(titled) > 1:
        raise LmsError(f"several assignments of the export are called {wanted!r} ({', '.join(titled)}): "
                       "give the whole column name, with its number")
    return (titled[0], True) if titled else (wanted.strip(), False)


@dataclass
class Written:
    column: str
    new_assignment: bool
    points: float
    scale: float  # 1.0: scores as graded
    matching: Matching


def write_canvas_import(export: CanvasExport, grades: list[GradeRow], wanted: str, path: Path,
                        scale: bool = False) -> Written:
    """Write Canvas's import file for one assignment column; returns what was written and who was not matched."""
    column, exists = choose_column(export, wanted)
    graded_max = {row.max for row in grades if row.max is not None}
    if len(graded_max) > 1:
        raise LmsError(f"the grades have several maximum scores ({', '.join(f'{m:g}' for m in sorted(graded_max))}): "
                       "use the grades.csv of one assignment")
    ours = graded_max.pop() if graded_max else None
    points, factor = _points(export, column, exists, ours, scale)
    matching = match_students(export, grades)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*export.identity, column])
    writer.writerow([f"    {POINTS_POSSIBLE}", *[""] * (len(export.identity) - 1), f"{points:g}"])
    for index, student in enumerate(export.students):
        row = matching.scores.get(index)
        score = "" if row is None else f"{round(row.total * factor, 2):g}"
        writer.writerow([*(spreadsheet_text(student.get(name, "")) for name in export.identity), score])
    write_atomically(Path(path), buffer.getvalue())
    return Written(column, not exists, points, factor, matching)


def _points(export: CanvasExport, column: str, exists: bool, ours: float | None, scale: bool) -> tuple[float, float]:
    """The column's points in Canvas and the factor from the grader's scores to them."""
    if not exists:
        if ours is None:
            raise LmsError("no submission has a score yet: grade first")
        return ours, 1.0
    cell = export.points.get(column, "")
    try:
        theirs = float(cell.replace(",", ".")) if cell else None
    except ValueError:
        raise LmsError(f"Canvas says {column!r} is {cell!r}, not a number of points: choose an assignment column") from None
    if theirs is None or ours is None or abs(theirs - ours) < 1e-9:
        return (theirs if theirs is not None else ours or 0.0), 1.0
    if not scale:
        raise LmsError(f"{column!r} is worth {theirs:g} points in Canvas and the grader's scores are out of {ours:g}: "
                       f"pass --scale to convert them, or change the assignment's points in Canvas")
    return theirs, theirs / ours

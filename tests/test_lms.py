"""Grades into Canvas: the import file made from a Canvas gradebook export; no kernels.

The template is built from the columns Canvas documents for its gradebook export (Student, ID, SIS User
ID, SIS Login ID, Section, assignment columns named "<title> (<number>)", read-only computed columns,
a Points Possible row, a Manual Posting row). The written file is read back the way Canvas's import
reads one (its header, its Points Possible row, students by their ID) and must carry every score.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.classroom.collect import Person, Submission
from autograder.classroom.gradebook import write_grades_csv
from autograder.classroom.lms import LmsError, read_canvas_export, read_grades_csv, write_canvas_import
from autograder.course.paths import REPO

COMPUTED = ["Assignments Current Score", "Assignments Unposted Current Score", "Assignments Final Score",
            "Assignments Unposted Final Score", "Current Score", "Unposted Current Score", "Final Score",
            "Unposted Final Score"]
HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Quiz 1 (87568490)", "MNIST lesson (1234567)",
          *COMPUTED]
# (Student, Canvas ID, SIS User ID, SIS Login ID, Section)
STUDENTS = [
    ("Lovelace, Ada", "101", "S001", "ada@example.edu", "Section A"),
    ("Turing, Alan", "102", "S002", "aturing", "Section A"),
    ("Hopper, Grace", "103", "S003", "grace@example.edu", "Section B"),  # no submission
    ("=HYPERLINK(\"http://x\"), Eve", "104", "S004", "eve@example.edu", "Section B"),  # a name that is a formula
    ("Noether, Emmy", "105", "S005", "emmy@example.edu", "Section B"),  # submitted, not graded yet
    ("Student, Test", "106", "", "", "Section A"),  # Canvas's test student: no SIS identifiers
]
# (submitters as (name, sid, email), score); a row's SID or email matches the student's SIS User ID or Login ID
SUBMISSIONS = {
    "submission_1": ([("Ada Lovelace", "S001", "ada.l@example.edu")], 17.5),  # by SID
    "submission_2": ([("Alan Turing", "", "ATuring ")], 12.0),  # by email against the login, without case or spaces
    "submission_3": ([("Eve", "", "eve@example.edu")], 18.0),  # by email
    "submission_4": ([("Emmy Noether", "S005", "emmy@example.edu")], None),  # not graded
    "submission_5": ([("Zed Unknown", "S999", "zed@example.edu")], 3.0),  # in no section of this course
}


def canvas_export(path: Path, mnist_points: str = "18.00") -> Path:
    """A gradebook export as Canvas writes it: header, Points Possible row, Manual Posting row, students."""
    rows = [HEADER, ["    Points Possible", "", "", "", "", "10.00", mnist_points, *["(read only)"] * len(COMPUTED)],
            ["", "", "", "", "", "", "Manual Posting", *[""] * len(COMPUTED)]]
    for number, student in enumerate(STUDENTS):
        rows.append([*student, str(number % 10), "", *["55.5"] * len(COMPUTED)])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")  # spreadsheets add a byte-order mark
    return path


def grades_csv(path: Path) -> Path:
    """A grades.csv written by the grader's own writer, from manifests as a batch leaves them."""
    submissions, manifests = [], {}
    for name, (people, score) in SUBMISSIONS.items():
        submissions.append(Submission(name, path.parent / f"{name}.ipynb", tuple(Person(n, e, s) for n, s, e in people)))
        if score is not None:
            manifests[name] = {"questions": {"q1": [score, 18.0]}, "score": score, "max_score": 18.0, "status": "graded"}
    write_grades_csv(submissions, manifests, path)
    return path


def as_canvas_reads_it(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The assignment column's points and each student's cell by Canvas ID, read as Canvas's import does: the
    header starts Student, ID and ends its identity columns with Section; a row whose first cell says Points
    Possible gives the points; every other row is a student identified by the ID column."""
    rows = list(csv.reader(path.open(encoding="utf-8")))
    header = rows[0]
    assert "Student" in header[0] and "ID" in header[1] and header[header.index("Section") - 2:header.index("Section")] == [
        "SIS User ID", "SIS Login ID"]
    assignments = header[header.index("Section") + 1:]
    assert len(assignments) == 1, assignments
    points = {a: rows[1][header.index(a)] for a in assignments} if "Points Possible" in rows[1][0] else {}
    cells = {row[1]: row[header.index(assignments[0])] for row in rows[1:] if "Points Possible" not in row[0]}
    return points, cells


def lms(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "lms", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def test_scores_round_trip_into_the_canvas_import_and_unmatched_are_listed(tmp_path):
    template, grades = canvas_export(tmp_path / "export.csv"), grades_csv(tmp_path / "grades.csv")
    out = tmp_path / "import.csv"
    done = lms("--template", str(template), "--grades", str(grades), "--column", "MNIST lesson", "--out", str(out))
    assert done.returncode == 0, done.stderr
    points, cells = as_canvas_reads_it(out)
    assert points == {"MNIST lesson (1234567)": "18"}
    assert cells == {"101": "17.5", "102": "12", "103": "", "104": "18", "105": "", "106": ""}
    # every score of grades.csv that has a student is in the import, unchanged
    graded = {r.submission: r.total for r in read_grades_csv(grades)}
    assert {cells[i] for i in ("101", "102", "104")} == {f"{graded[s]:g}" for s in ("submission_1", "submission_2",
                                                                                     "submission_3")}
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert [r[:5] for r in rows[2:]][3] == ["'=HYPERLINK(\"http://x\"), Eve", "104", "S004", "eve@example.edu",
                                           "Section B"]  # escaped against formulas, as grades.csv is
    assert all(r[:5] == [*s] for r, s in zip(rows[2:], STUDENTS, strict=True) if not s[0].startswith("="))
    text = done.stdout
    assert "3 score(s) in 'MNIST lesson (1234567)'" in text
    assert "2 student(s) of the export have no submission" in text
    assert "Hopper, Grace (SIS User ID S003, SIS Login ID grace@example.edu)" in text and "Student, Test" in text
    assert "1 student(s) have a submission that is not graded yet" in text and "submission_4 (not graded)" in text
    assert "1 graded submission(s) match no student" in text and "submission_5 (Zed Unknown, S999, zed@example.edu)" in text


def test_a_new_assignment_column_and_other_points(tmp_path):
    template, grades = canvas_export(tmp_path / "export.csv", mnist_points="10.00"), grades_csv(tmp_path / "grades.csv")
    out = tmp_path / "import.csv"
    export, rows = read_canvas_export(template), read_grades_csv(grades)
    with pytest.raises(LmsError, match=r"worth 10 points in Canvas and the grader's scores are out of 18: pass --scale"):
        write_canvas_import(export, rows, "MNIST lesson (1234567)", out)
    assert not out.exists()
    scaled = write_canvas_import(export, rows, "MNIST lesson (1234567)", out, scale=True)
    assert (scaled.points, round(scaled.scale, 4)) == (10, 0.5556)
    assert as_canvas_reads_it(out) == ({"MNIST lesson (1234567)": "10"}, {"101": "9.72", "102": "6.67", "103": "",
                                                                          "104": "10", "105": "", "106": ""})
    new = write_canvas_import(export, rows, "Take-home", out)
    assert new.new_assignment and new.column == "Take-home" and new.points == 18
    assert as_canvas_reads_it(out)[0] == {"Take-home": "18"}


def test_ambiguous_matches_are_left_out(tmp_path):
    template = canvas_export(tmp_path / "export.csv")
    grades = grades_csv(tmp_path / "grades.csv")
    text = grades.read_text().replace("ada.l@example.edu", "grace@example.edu")  # SID says Ada, email says Grace
    grades.write_text(text)
    written = write_canvas_import(read_canvas_export(template), read_grades_csv(grades), "MNIST lesson", tmp_path / "i.csv")
    assert any("submission_1" in c and "several students" in c for c in written.matching.conflicts)
    assert 0 not in written.matching.scores and 0 in written.matching.no_submission


@pytest.mark.parametrize("header", [["Name", "SID", "Email"], ["Student", "SIS User ID", "Section"]])
def test_what_is_not_a_canvas_export_is_refused(tmp_path, header):
    path = tmp_path / "other.csv"
    path.write_text(",".join(header) + "\nA,1,x\n")
    with pytest.raises(LmsError, match="not a Canvas gradebook export .* Export Entire Gradebook"):
        read_canvas_export(path)

"""The instructor's class report (report.html) and per-student Markdown feedback; fast, no TensorFlow."""

from __future__ import annotations

import base64
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.classroom.class_report import pass_rates, write_class_report
from autograder.classroom.feedback import feedback_markdown
from autograder.classroom.similarity import SimilarPair
from autograder.engine.results import Status

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EVIL_NAME = "<script>alert(1)</script>"
LONG_MESSAGE = "one_hot_labels returned shape (3, 9); expected (3, 10): one column per class, " + "x" * 60 + " END"


def row(name: str, score: float, max_score: float = 1.0, message: str = "", visibility: str = "visible") -> dict:
    status = "passed" if score >= max_score else "failed"
    return {"name": name, "score": score, "max_score": max_score, "status": status, "output": message,
            "visibility": visibility}


def entry(submission: str, name: str, status: str, tests: list[dict]) -> dict:
    results = {"score": sum(t["score"] for t in tests), "execution_time": 1.0, "output": "", "tests": tests}
    return {"submission": submission, "name": name, "email": f"{submission}@example.edu", "status": status,
            "results": results}


def full(q1: float, q2: float, q10: float, message: str = "wrong values") -> list[dict]:
    """q1 worth 2 (two checks), q2 worth 1, q10 worth 3 (a single check); 6 points in all."""
    return [row("q1 - shape", min(q1, 1.0), 1.0, "bad shape"), row("q1 - values", max(q1 - 1.0, 0.0), 1.0, message),
            row("q2 - dtype", q2, 1.0, LONG_MESSAGE), row("q10 - accuracy", q10, 3.0, "cost is $5 and $\\frac{")]


# s10 sorts after s2 (natural order); totals are 6, 3, 4, 0 and 0 out of 6
ENTRIES = [
    entry("s10", "Ada", "graded", full(2, 1, 3)),
    entry("s2", EVIL_NAME, "graded", full(1, 0, 2)),
    entry("s1", "Bo", "graded", full(2, 0, 2, message="wrong values")),
    entry("s3", "Cy", "timeout", full(0, 0, 0)),
    entry("s4", "Di", "unreadable", []),  # no test rows at all: counts as zero everywhere
]


class PageChecker(HTMLParser):
    """Checks that every element is closed in order, and collects tables as rows of cell texts."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.images: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def table(self, *headers: str) -> list[list[str]]:
        """The first table whose header row starts with these cells."""
        return next(t for t in self.tables if t and t[0][: len(headers)] == list(headers))


def check_page(text: str) -> PageChecker:
    assert text.startswith("<!DOCTYPE html>")
    checker = PageChecker()
    checker.feed(text)
    checker.close()
    assert checker.errors == [] and checker.stack == [], (checker.errors, checker.stack)
    return checker


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str, PageChecker]:
    folder = tmp_path_factory.mktemp("report")
    pairs = [SimilarPair("s1", "s2", 0.97, ["x = images.reshape(len(images), -1)  # a < b"]),
             SimilarPair("s10", "s3", 0.71, [])]
    path = write_class_report(ENTRIES, folder / "report.html", "Lab <3>", similar=pairs)
    text = path.read_text(encoding="utf-8")
    return path, text, check_page(text)


def test_report_is_valid_html_with_three_embedded_pngs(report):
    path, _, page = report
    assert path.name == "report.html" and os.stat(path).st_mode & 0o777 == 0o644
    assert len(page.images) == 3
    for src in page.images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        assert base64.b64decode(src[len(prefix):], validate=True).startswith(PNG_SIGNATURE)


def test_student_text_is_escaped(report):
    _, text, page = report
    assert EVIL_NAME not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<title>Lab &lt;3&gt;</title>" in text
    assert "a &lt; b" in text  # shared code lines too
    names = [r[1] for r in page.table("submission")[1:]]
    assert EVIL_NAME in names  # escaped in the source, intact once parsed


def test_headline_figures_and_status_counts(report):
    page = report[2]
    figures = {label: value for label, value in page.table("figure")[1:]}
    assert figures == {"Submissions": "5", "Mean score": "2.6 / 6", "Median score": "3 / 6",
                       "Lowest score": "0 / 6", "Highest score": "6 / 6"}
    statuses = {status: int(count) for status, count in page.table("status")[1:]}
    assert statuses == {"graded": 3, "timeout": 1, "kernel-died": 0, "unreadable": 1, "wrong-assignment": 0,
                        "no-sandbox": 0, "grader-error": 0}  # every status of the results vocabulary, in its order
    assert list(statuses) == [s.value for s in Status]


def test_pass_rates_by_hand():
    # full marks: q1 by s10 and s1 (2 of 5), q2 by s10 only, q10 by s10 only; missing rows (s4) count as failures
    rates = pass_rates(ENTRIES)
    assert list(rates) == ["q1", "q2", "q10"]  # natural order, not lexical
    assert rates == pytest.approx({"q1": 0.4, "q2": 0.2, "q10": 0.2})


def test_question_and_student_tables(report):
    page = report[2]
    questions = page.table("question")
    assert questions[1:] == [["q1", "2", "40%", "1"], ["q2", "1", "20%", "0.2"], ["q10", "3", "20%", "1.4"]]
    students = page.table("submission")
    assert students[0] == ["submission", "name", "email", "q1", "q2", "q10", "total", "status"]
    assert [r[0] for r in students[1:]] == ["s1", "s2", "s3", "s4", "s10"]
    assert students[1] == ["s1", "Bo", "s1@example.edu", "2", "0", "2", "4", "graded"]
    assert students[4] == ["s4", "Di", "s4@example.edu", "–", "–", "–", "0", "unreadable"]


def test_failure_table_counts_messages_per_check(report):
    page = report[2]
    failures = page.table("#", "submissions")
    assert failures[0] == ["#", "submissions", "check", "message"]
    by_check = {(check, message): int(count) for _, count, check, message in failures[1:]}
    assert by_check[("q2 - dtype", LONG_MESSAGE)] == 3  # the full text, not the chart's truncated label
    assert by_check[("q10 - accuracy", "cost is $5 and $\\frac{")] == 3  # '$' must not reach mathtext
    assert by_check[("q1 - values", "wrong values")] == 2
    assert by_check[("q1 - shape", "bad shape")] == 1
    assert [int(r[1]) for r in failures[1:]] == sorted((int(r[1]) for r in failures[1:]), reverse=True)


def test_similar_pairs_are_listed_in_rank_order(report):
    page = report[2]
    similar = page.table("#", "submission")
    assert [r[0] for r in similar[1:]] == ["1", "2"]
    assert similar[1][1].startswith("s1") and "Bo" in similar[1][1] and similar[1][3] == "0.97"
    assert similar[2][1].startswith("s10") and similar[2][3] == "0.71"


def test_no_similar_section_without_pairs(tmp_path):
    text = write_class_report(ENTRIES[:2], tmp_path / "r.html", "Lab", similar=[]).read_text()
    assert 'id="similar"' not in text


def test_empty_class_gives_a_valid_page(tmp_path):
    path = write_class_report([], tmp_path, "Nobody yet")
    assert path == tmp_path / "report.html"
    page = check_page(path.read_text())
    assert "Nothing to report" in path.read_text() and page.images == []


def test_written_atomically_and_byte_stable(tmp_path):
    first = write_class_report(ENTRIES, tmp_path / "report.html", "Lab").read_bytes()
    second = write_class_report(ENTRIES, tmp_path / "report.html", "Lab").read_bytes()
    assert first == second  # no timestamps, no version stamps in the PNGs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_failed_write_keeps_the_old_report_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("old report")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_class_report(ENTRIES, target, "Lab")
    assert target.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_feedback_markdown_hides_hidden_rows_and_shows_published_ones():
    tests = [
        row("q1 - shape", 1.0, 1.0, "ok"),
        row("q1 - values", 0.0, 1.0, "expected 0.5 at [0, 0], got 127.5", visibility="after_published"),
        row("q2 - secret_inputs", 0.0, 2.0, "hidden check message", visibility="hidden"),
        row("q10 - accuracy", 0.0, 1.0, "accuracy 0.42 is below 0.9\nsee ```fences```"),
    ]
    results = {"score": 1.0, "execution_time": 3.0, "output": "Your notebook ran in 3 s.", "tests": tests}
    text = feedback_markdown(results, "s7")
    assert "secret_inputs" not in text and "hidden check message" not in text
    assert "expected 0.5 at [0, 0], got 127.5" in text  # after_published is shown
    assert "**Total score: 1 / 5**" in text  # the official total includes the hidden points
    assert "Your notebook ran in 3 s." in text
    assert "## q2" not in text  # a question with only hidden checks has nothing to show
    assert text.index("## q1: 1 / 2") < text.index("## q10: 0 / 1")  # natural order
    assert "Passed: `shape`" in text and "- **values** failed (0 / 1)" in text
    assert re.search(r"\n  ````text\n  accuracy 0.42 is below 0.9\n  see ```fences```\n  ````\n", text)  # fence outlasts ```


def test_a_regrade_is_summarised_at_the_top_and_one_submission_has_no_plots(tmp_path):
    from autograder.classroom.collect import Person, Submission
    from autograder.classroom.regrade import Change

    old = {"score": 1.0, "status": "graded", "questions": {"q1": [1.0, 1.0], "q2": [0.0, 1.0]}}
    new = {"score": 2.0, "status": "graded", "questions": {"q1": [1.0, 1.0], "q2": [1.0, 1.0]}}
    who = Submission("s<1>", tmp_path / "s1.ipynb", (Person("<b>Ada</b>", "a@x.edu", "1"),))
    changes = [Change(who, ["grader version changed"], old, new, "previous/run/s<1>"),
               Change(Submission("s2", tmp_path / "s2.ipynb"), ["forced (--force)"], old, old, "previous/run/s2")]
    path = write_class_report(ENTRIES[:1], tmp_path / "report.html", "Lab", changes=changes)
    text = path.read_text(encoding="utf-8")
    page = check_page(text)
    assert page.images == []  # one submission: tables only, matplotlib never imported for it
    assert "1 student changed: 1 up (2 regraded: forced (--force); grader version changed)" in text
    assert text.index('id="changes"') < text.index('id="summary"')
    table = page.table("submission", "name", "why graded again")
    assert table[1:] == [["s<1>", "<b>Ada</b>", "grader version changed", "1 → 2", "+1", "q2 0 → 1", "previous/run/s<1>"]]
    assert "<b>Ada</b>" not in text  # escaped

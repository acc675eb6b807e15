"""Instructor summary of a graded class: one self-contained report.html, and Markdown feedback per student.

The input is what the report stage already wrote: one Gradescope results.json document per submission,
with the student's name, email and grading status. Plots are rendered with matplotlib to PNG and embedded
as base64, so the page is a single file an instructor can mail or archive. Everything that comes from a
student (names, emails, submission ids, check messages) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
import re
import statistics
import warnings
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from ..atomic import write_atomically

STATUSES = ["graded", "timeout", "kernel-died", "unreadable", "no-sandbox", "grader-error"]
TOP_FAILURES = 10
LABEL_CHARS = 80
SHARED_LINES_SHOWN = 5


@dataclass
class _Summary:
    """Per-class figures computed once and shared by the plots and the tables."""

    entries: list[dict]  # sorted by submission id
    questions: list[str]  # natural order
    question_max: dict[str, float]
    scores: dict[str, dict[str, float]]  # submission -> question -> points
    totals: list[float]
    max_total: float
    failures: list[tuple[tuple[str, str], int]]  # ((check, message), count), most frequent first


def natural_key(text: str) -> list:
    """Sort key putting q2 before q10 (digit runs compare as numbers)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def _question(test: dict) -> str:
    return str(test.get("name", "")).split(" - ")[0]


def _tests(results: dict | None) -> list[dict]:
    return [t for t in (results or {}).get("tests") or [] if isinstance(t, dict)]


def _failed(test: dict) -> bool:
    if "status" in test:
        return test["status"] != "passed"
    return float(test.get("score", 0)) < float(test.get("max_score", 0))


def _num(value: float) -> str:
    return f"{round(value, 2):g}"


def _summarize(entries: list[dict]) -> _Summary:
    ordered = sorted(entries, key=lambda e: (natural_key(str(e.get("submission", ""))), str(e.get("submission", ""))))
    scores: dict[str, dict[str, float]] = {}
    question_max: dict[str, float] = {}
    failures: Counter = Counter()  # message -> submissions that got it (one check's message often repeats in others)
    checks: dict[str, list[str]] = {}
    for entry in ordered:
        got: dict[str, float] = {}
        possible: dict[str, float] = {}
        messages: set[str] = set()
        for test in _tests(entry.get("results")):
            question = _question(test)
            got[question] = got.get(question, 0.0) + float(test.get("score", 0))
            possible[question] = possible.get(question, 0.0) + float(test.get("max_score", 0))
            if _failed(test):
                message = str(test.get("output") or "").strip() or "(no message)"
                messages.add(message)
                names = checks.setdefault(message, [])
                if str(test.get("name", "")) not in names:
                    names.append(str(test.get("name", "")))
        for message in sorted(messages):
            failures[message] += 1
        scores[str(entry.get("submission", ""))] = got
        for question, points in possible.items():
            question_max[question] = max(question_max.get(question, 0.0), points)
    questions = sorted(question_max, key=natural_key)
    totals = [float((e.get("results") or {}).get("score", 0)) for e in ordered]
    # most_common breaks count ties by first insertion, which follows the sorted submissions: deterministic
    top = [((", ".join(checks[m]), m), count) for m, count in failures.most_common(TOP_FAILURES)]
    return _Summary(ordered, questions, question_max, scores, totals, sum(question_max.values()), top)


def pass_rates(entries: list[dict]) -> dict[str, float]:
    """Per question, the fraction of all submissions that earned its full marks (missing rows count as 0)."""
    summary = _summarize(entries)
    return {q: _pass_rate(summary, q) for q in summary.questions}


def _pass_rate(summary: _Summary, question: str) -> float:
    full = summary.question_max[question]
    if not summary.entries or full <= 0:
        return 0.0
    passed = sum(1 for got in summary.scores.values() if got.get(question, 0.0) >= full - 1e-9)
    return passed / len(summary.entries)


# ----- plots -----------------------------------------------------------------------------------------------


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")  # student text may hold exotic characters
        figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})  # no version stamp: byte-stable
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plain_label(text: str) -> str:
    """One line, at most LABEL_CHARS, and no '$' so matplotlib never parses student text as mathtext."""
    line = " ".join(text.split())
    if len(line) > LABEL_CHARS:
        line = line[: LABEL_CHARS - 1] + "…"
    return line.replace("$", r"\$")


def _histogram(summary: _Summary) -> str:
    figure = Figure(figsize=(7, 3.2), layout="constrained")
    axes = figure.add_subplot()
    top = summary.max_total if summary.max_total > 0 else 1.0
    bins = max(1, round(top)) if top <= 40 else 20  # one-point bins while that stays readable
    axes.hist(summary.totals, bins=bins, range=(0, top), color="#4c72b0", edgecolor="white")
    axes.set_xlabel(f"total score (out of {_num(summary.max_total)})")
    axes.set_ylabel("submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title("Total scores")
    return _png(figure)


def _pass_rate_chart(summary: _Summary) -> str:
    rates = [_pass_rate(summary, q) * 100 for q in summary.questions]
    figure = Figure(figsize=(7, 0.6 + 0.35 * max(1, len(rates))), layout="constrained")
    axes = figure.add_subplot()
    positions = range(len(rates))
    axes.barh(positions, rates, color="#55a868")
    axes.set_yticks(positions, [_plain_label(q) for q in summary.questions])
    axes.invert_yaxis()  # q1 at the top
    axes.set_xlim(0, 105)
    axes.set_xlabel("% of submissions with full marks")
    axes.set_title("Pass rate per question")
    for position, rate in zip(positions, rates, strict=True):
        axes.text(rate + 1, position, f"{rate:.0f}%", va="center", fontsize=8)
    return _png(figure)


def _failure_chart(summary: _Summary) -> str:
    counts = [count for _, count in summary.failures]
    labels = [f"{i}. {_plain_label(check.split(' - ')[0] + ': ' + message)}"
              for i, ((check, message), _) in enumerate(summary.failures, 1)]
    figure = Figure(figsize=(11, 0.6 + 0.4 * len(counts)), layout="constrained")
    axes = figure.add_subplot()
    positions = range(len(counts))
    axes.barh(positions, counts, color="#c44e52")
    axes.set_yticks(positions, labels, fontsize=8)
    axes.invert_yaxis()  # most frequent at the top
    axes.set_xlabel("submissions")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"Most frequent failure messages (top {TOP_FAILURES})")
    return _png(figure)


# ----- HTML ------------------------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
pre { margin: 0; white-space: pre-wrap; max-width: 70em; }
img { max-width: 100%; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(header: list[str], rows: list[list[str]], numeric: Collection[int] = ()) -> str:
    """Cells must already be escaped HTML; columns in `numeric` are right-aligned."""
    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def _img(data: str, alt: str) -> str:
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">\n'


def _headline(summary: _Summary) -> str:
    out_of = f" / {_num(summary.max_total)}"
    figures = [
        ["Submissions", str(len(summary.entries))],
        ["Mean score", _num(statistics.fmean(summary.totals)) + out_of],
        ["Median score", _num(statistics.median(summary.totals)) + out_of],
        ["Lowest score", _num(min(summary.totals)) + out_of],
        ["Highest score", _num(max(summary.totals)) + out_of],
    ]
    counts = Counter(str(e.get("status", "")) for e in summary.entries)
    statuses = STATUSES + sorted(set(counts) - set(STATUSES))  # unknown statuses still show up
    return ("<section id=\"summary\">\n<h2>Summary</h2>\n" + _table(["figure", "value"], figures, {1})
            + _table(["status", "submissions"], [[_e(s), str(counts.get(s, 0))] for s in statuses], {1}) + "</section>\n")


def _questions_section(summary: _Summary) -> str:
    rows = []
    for question in summary.questions:
        got = [summary.scores[str(e.get("submission", ""))].get(question, 0.0) for e in summary.entries]
        rows.append([_e(question), _num(summary.question_max[question]), f"{_pass_rate(summary, question) * 100:.0f}%",
                     _num(statistics.fmean(got))])
    return ("<section id=\"questions\">\n<h2>Questions</h2>\n" + _img(_pass_rate_chart(summary), "pass rate per question")
            + _table(["question", "max", "full marks", "mean score"], rows, {1, 2, 3}) + "</section>\n")


def _failures_section(summary: _Summary) -> str:
    parts = ["<section id=\"failures\">\n<h2>Most frequent failures</h2>\n"]
    if not summary.failures:
        parts.append("<p>No check failed.</p>\n")
    else:
        parts.append(_img(_failure_chart(summary), "most frequent failure messages"))
        rows = [[str(i), str(count), _e(check), f"<pre>{_e(message)}</pre>"]
                for i, ((check, message), count) in enumerate(summary.failures, 1)]
        parts.append(_table(["#", "submissions", "check", "message"], rows, {0, 1}))
    return "".join(parts) + "</section>\n"


def _students_section(summary: _Summary) -> str:
    rows = []
    for entry, total in zip(summary.entries, summary.totals, strict=True):
        got = summary.scores[str(entry.get("submission", ""))]
        rows.append([_e(entry.get("submission", "")), _e(entry.get("name", "")), _e(entry.get("email", "")),
                     *[_num(got[q]) if q in got else "–" for q in summary.questions], _num(total),
                     _e(entry.get("status", ""))])
    header = ["submission", "name", "email", *[_e(q) for q in summary.questions], "total", "status"]
    numeric = set(range(3, 4 + len(summary.questions)))
    return "<section id=\"students\">\n<h2>Students</h2>\n" + _table(header, rows, numeric) + "</section>\n"


def _similar_section(similar: list, entries: list[dict]) -> str:
    """Pairs are read by attribute (first, second, score, shared_lines), e.g. similarity.SimilarPair."""
    names = {str(e.get("submission", "")): str(e.get("name", "")) for e in entries}

    def who(submission: str) -> str:
        name = names.get(submission)
        return _e(submission) + (f"<br>{_e(name)}" if name else "")

    rows = []
    for rank, pair in enumerate(similar, 1):
        lines = list(getattr(pair, "shared_lines", []))[:SHARED_LINES_SHOWN]
        shared = f"<pre>{_e(chr(10).join(lines))}</pre>" if lines else ""
        rows.append([str(rank), who(pair.first), who(pair.second), f"{pair.score:.2f}", shared])
    intro = ("<p>Pairs of submissions whose code beyond the starter notebook is unusually similar, most similar first. "
             "A high score is a reason to look, not proof of copying.</p>\n")
    return ("<section id=\"similar\">\n<h2>Similar submissions</h2>\n" + intro
            + _table(["#", "submission", "submission", "score", "shared code"], rows, {0, 3}) + "</section>\n")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{_e(title)}</title>\n"
            f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>{_e(title)}</h1>\n{body}</body>\n</html>\n")


def render_class_report(entries: list[dict], title: str, similar: list | None = None) -> str:
    """The report page as a string (write_class_report writes it to disk)."""
    if not entries:
        body = "<p>Nothing to report: there are no submissions.</p>\n"
        return _page(title, body + (_similar_section(similar, entries) if similar else ""))
    summary = _summarize(entries)
    body = _headline(summary)
    body += ("<section id=\"scores\">\n<h2>Total scores</h2>\n" + _img(_histogram(summary), "histogram of total scores")
             + "</section>\n")
    body += _questions_section(summary) + _failures_section(summary)
    if similar:
        body += _similar_section(similar, summary.entries)
    return _page(title, body + _students_section(summary))


def write_class_report(entries: list[dict], out_path: Path, title: str, similar: list | None = None) -> Path:
    """Write the class report to out_path (or out_path/report.html if it is a folder); returns the file written.

    entries: {"submission", "name", "email", "status", "results": a Gradescope results.json document}.
    similar: optional ranked pairs with .first, .second, .score and .shared_lines (see autograder.similarity).
    """
    out_path = Path(out_path)
    if out_path.is_dir():
        out_path = out_path / "report.html"
    write_atomically(out_path, render_class_report(entries, title, similar))
    return out_path


# ----- student feedback --------------------------------------------------------------------------------------


def _fenced(text: str) -> str:
    """A Markdown code block that no backtick run inside text can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def feedback_markdown(results: dict, submission: str) -> str:
    """One student's results.json as Markdown: total, the grader's summary, then per question its checks.

    Rows with visibility "hidden" are left out (and so are their points from the per-question lines);
    the total is the official score, as on Gradescope.
    """
    tests = _tests(results)
    shown = [t for t in tests if t.get("visibility") != "hidden"]
    possible = sum(float(t.get("max_score", 0)) for t in tests)
    parts = [f"# Feedback: {' '.join(str(submission).split())}",
             f"**Total score: {_num(float(results.get('score', 0)))} / {_num(possible)}**"]
    if str(results.get("output") or "").strip():
        parts.append(_fenced(str(results["output"])))
    if len(shown) < len(tests):
        parts.append("_Some checks are hidden and not listed here; they count toward the total score._")
    for question in sorted({_question(t) for t in shown}, key=natural_key):
        parts.append(_question_feedback(question, [t for t in shown if _question(t) == question]))
    return "\n\n".join(parts) + "\n"


def _question_feedback(question: str, tests: list[dict]) -> str:
    got = sum(float(t.get("score", 0)) for t in tests)
    possible = sum(float(t.get("max_score", 0)) for t in tests)
    failed, passed = [], []
    for test in tests:
        check = str(test.get("name", "")).split(" - ", 1)[-1]
        if not _failed(test):
            passed.append(f"`{check}`")
            continue
        failed.append(f"- **{check}** failed ({_num(float(test.get('score', 0)))} / {_num(float(test.get('max_score', 0)))})")
        message = str(test.get("output") or "").strip()
        if message:  # indented under its list item
            failed.extend("  " + line for line in _fenced(message).splitlines())
    passed_line = "Passed: " + ", ".join(passed) if passed else ""
    blocks = [f"## {question}: {_num(got)} / {_num(possible)}", "\n".join(failed), passed_line]
    return "\n\n".join(b for b in blocks if b)

"""Instructor summary of a graded class: one self-contained report.html.

The input is what the report stage already wrote: one Gradescope results.json document per submission,
with the student's name, email and grading status. Plots are rendered with matplotlib to PNG and embedded
as base64, so the page is a single file an instructor can mail or archive; a report on one submission
has its tables and no plots (a histogram of one total says nothing), and does not import matplotlib.
Everything that comes from a student (names, emails, submission ids, check messages) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
import statistics
import warnings
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_atomically
from ..engine.results import Status, ordered_questions, question_key, question_of
from . import results_doc
from .results_doc import failed, points, test_rows

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TOP_FAILURES = 10
LABEL_CHARS = 80
SHARED_LINES_SHOWN = 5
PLOTS_FROM = 2  # submissions; fewer get the tables alone


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


def _summarize(entries: list[dict]) -> _Summary:
    ordered = sorted(entries, key=lambda e: (question_key(str(e.get("submission", ""))), str(e.get("submission", ""))))
    scores: dict[str, dict[str, float]] = {}
    question_max: dict[str, float] = {}
    failures: Counter = Counter()  # message -> submissions that got it (one check's message often repeats in others)
    checks: dict[str, list[str]] = {}
    for entry in ordered:
        got: dict[str, float] = {}
        possible: dict[str, float] = {}
        messages: set[str] = set()
        for test in test_rows(entry.get("results")):
            name = results_doc.question(test)
            got[name] = got.get(name, 0.0) + float(test.get("score", 0))
            possible[name] = possible.get(name, 0.0) + float(test.get("max_score", 0))
            if failed(test):
                message = str(test.get("output") or "").strip() or "(no message)"
                messages.add(message)
                names = checks.setdefault(message, [])
                if str(test.get("name", "")) not in names:
                    names.append(str(test.get("name", "")))
        for message in sorted(messages):
            failures[message] += 1
        scores[str(entry.get("submission", ""))] = got
        for name, most in possible.items():
            question_max[name] = max(question_max.get(name, 0.0), most)
    questions = ordered_questions(question_max)
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


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure  # imported only when a plot is drawn (about a second)

    return Figure(figsize=(width, height), layout="constrained")


def _histogram(summary: _Summary) -> str:
    figure = _figure(7, 3.2)
    axes = figure.add_subplot()
    top = summary.max_total if summary.max_total > 0 else 1.0
    bins = max(1, round(top)) if top <= 40 else 20  # one-point bins while that stays readable
    axes.hist(summary.totals, bins=bins, range=(0, top), color="#4c72b0", edgecolor="white")
    axes.set_xlabel(f"total score (out of {points(summary.max_total)})")
    axes.set_ylabel("submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title("Total scores")
    return _png(figure)


def _pass_rate_chart(summary: _Summary) -> str:
    rates = [_pass_rate(summary, q) * 100 for q in summary.questions]
    figure = _figure(7, 0.6 + 0.35 * max(1, len(rates)))
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
    labels = [f"{i}. {_plain_label(question_of(check) + ': ' + message)}"
              for i, ((check, message), _) in enumerate(summary.failures, 1)]
    figure = _figure(11, 0.6 + 0.4 * len(counts))
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
    out_of = f" / {points(summary.max_total)}"
    figures = [
        ["Submissions", str(len(summary.entries))],
        ["Mean score", points(statistics.fmean(summary.totals)) + out_of],
        ["Median score", points(statistics.median(summary.totals)) + out_of],
        ["Lowest score", points(min(summary.totals)) + out_of],
        ["Highest score", points(max(summary.totals)) + out_of],
    ]
    counts = Counter(str(e.get("status", "")) for e in summary.entries)
    known = [s.value for s in Status]
    statuses = known + sorted(set(counts) - set(known))  # unknown statuses still show up
    return ("<section id=\"summary\">\n<h2>Summary</h2>\n" + _table(["figure", "value"], figures, {1})
            + _table(["status", "submissions"], [[_e(s), str(counts.get(s, 0))] for s in statuses], {1}) + "</section>\n")


def _questions_section(summary: _Summary, plots: bool) -> str:
    rows = []
    for question in summary.questions:
        got = [summary.scores[str(e.get("submission", ""))].get(question, 0.0) for e in summary.entries]
        rows.append([_e(question), points(summary.question_max[question]), f"{_pass_rate(summary, question) * 100:.0f}%",
                     points(statistics.fmean(got))])
    chart = _img(_pass_rate_chart(summary), "pass rate per question") if plots else ""
    return ("<section id=\"questions\">\n<h2>Questions</h2>\n" + chart
            + _table(["question", "max", "full marks", "mean score"], rows, {1, 2, 3}) + "</section>\n")


def _failures_section(summary: _Summary, plots: bool) -> str:
    parts = ["<section id=\"failures\">\n<h2>Most frequent failures</h2>\n"]
    if not summary.failures:
        parts.append("<p>No check failed.</p>\n")
    else:
        if plots:
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
                     *[points(got[q]) if q in got else "–" for q in summary.questions], points(total),
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


def _notes_section(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{_e(note)}</li>\n" for note in notes)
    return f"<section id=\"notes\">\n<h2>Notes</h2>\n<ul>\n{items}</ul>\n</section>\n"


def _changes_section(changes: Sequence) -> str:
    """A regrade: the summary line, then each student whose scores moved. Changes are read by attribute
    (submission, name, reasons, old, new, delta, changed, questions, archived), e.g. regrade.Change."""
    from .regrade import summary_line

    rows = []
    for change in (c for c in changes if c.changed):
        moved = []
        for question in change.questions:
            before, after = (_question_points(m, question) for m in (change.old, change.new))
            if before != after:
                moved.append(f"{question} {before} → {after}")
        rows.append([_e(change.submission.id), _e(change.name), _e("; ".join(change.reasons)),
                     f"{points(float(change.old.get('score', 0)))} → {points(float(change.new.get('score', 0)))}",
                     f"{change.delta:+g}", _e(", ".join(moved)), _e(change.archived)])
    table = _table(["submission", "name", "why graded again", "total", "change", "questions", "earlier results"],
                   rows, {3, 4}) if rows else ""
    return (f"<section id=\"changes\">\n<h2>Changes in this regrade</h2>\n<p>{_e(summary_line(list(changes)))}. "
            "Every student graded again is in changes.csv with the old and new score of each question.</p>\n"
            + table + "</section>\n")


def _question_points(manifest: dict, question: str) -> str:
    scores = (manifest.get("questions") or {}).get(question)
    return points(float(scores[0])) if scores else "–"


def render_class_report(entries: list[dict], title: str, similar: list | None = None, notes: Sequence[str] = (),
                        changes: Sequence = ()) -> str:
    """The report page as a string (write_class_report writes it to disk)."""
    changed = _changes_section(changes) if changes else ""
    if not entries:
        body = _notes_section(notes) + changed + "<p>Nothing to report: there are no submissions.</p>\n"
        return _page(title, body + (_similar_section(similar, entries) if similar else ""))
    summary = _summarize(entries)
    plots = len(summary.entries) >= PLOTS_FROM
    body = _notes_section(notes) + changed + _headline(summary)
    if plots:
        body += ("<section id=\"scores\">\n<h2>Total scores</h2>\n"
                 + _img(_histogram(summary), "histogram of total scores") + "</section>\n")
    body += _questions_section(summary, plots) + _failures_section(summary, plots)
    if similar:
        body += _similar_section(similar, summary.entries)
    return _page(title, body + _students_section(summary))


def _plain_report(entries: list[dict], title: str, notes: Sequence[str], error: BaseException) -> str:
    """What is left when the full report cannot be built: the notes, the reason, and each student's total."""
    reason = f"The full report could not be built ({type(error).__name__}: {str(error)[:300]}); grades.csv has every score."
    def total(entry: dict) -> str:
        results = entry.get("results")
        return _e(results.get("score", "")) if isinstance(results, dict) else ""

    rows = [[_e(e.get("submission", "")), _e(e.get("name", "")), total(e), _e(e.get("status", ""))] for e in entries]
    body = _notes_section([*notes, reason]) + _table(["submission", "name", "total", "status"], rows, {2})
    return _page(title, body)


def write_class_report(
    entries: list[dict], out_path: Path, title: str, similar: list | None = None, notes: Sequence[str] = (),
    changes: Sequence = (),
) -> Path:
    """Write the class report to out_path (or out_path/report.html if it is a folder); returns the file written.

    entries: {"submission", "name", "email", "status", "results": a Gradescope results.json document}.
    similar: optional ranked pairs with .first, .second, .score and .shared_lines (see classroom.similarity).
    notes: lines the instructor should read first (e.g. why similarity is missing).
    changes: the submissions this run graded again (regrade.Change), summarised at the top.
    A page is written even when the full report cannot be built: then it holds the totals and the reason.
    """
    out_path = Path(out_path)
    if out_path.is_dir():
        out_path = out_path / "report.html"
    try:
        page = render_class_report(entries, title, similar, notes, changes)
    except Exception as error:  # one odd results.json or a plotting failure must not cost the page
        from .regrade import summary_line

        page = _plain_report(entries, title, [*notes, *([summary_line(list(changes))] if changes else [])], error)
    write_atomically(out_path, page)
    return out_path

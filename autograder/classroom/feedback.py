"""Per-student feedback as Markdown (``OUT/<id>/feedback.md``), for mailing or uploading.

It shows what the Gradescope view shows: the official total, the grader's summary, and per
question its checks with their messages; rows whose visibility is "hidden" are left out.
"""

from __future__ import annotations

import re

from ..engine.results import ordered_questions
from .results_doc import check, failed, points, question, test_rows


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
    tests = test_rows(results)
    shown = [t for t in tests if t.get("visibility") != "hidden"]
    possible = sum(float(t.get("max_score", 0)) for t in tests)
    parts = [f"# Feedback: {' '.join(str(submission).split())}",
             f"**Total score: {points(float(results.get('score', 0)))} / {points(possible)}**"]
    if str(results.get("output") or "").strip():
        parts.append(_fenced(str(results["output"])))
    if len(shown) < len(tests):
        parts.append("_Some checks are hidden and not listed here; they count toward the total score._")
    for name in ordered_questions(question(t) for t in shown):
        parts.append(_question_feedback(name, [t for t in shown if question(t) == name]))
    return "\n\n".join(parts) + "\n"


def _question_feedback(name: str, tests: list[dict]) -> str:
    got = sum(float(t.get("score", 0)) for t in tests)
    possible = sum(float(t.get("max_score", 0)) for t in tests)
    failures, passed = [], []
    for test in tests:
        if not failed(test):
            passed.append(f"`{check(test)}`")
            continue
        failures.append(f"- **{check(test)}** failed ({points(float(test.get('score', 0)))} / "
                        f"{points(float(test.get('max_score', 0)))})")
        message = str(test.get("output") or "").strip()
        if message:  # indented under its list item
            failures.extend("  " + line for line in _fenced(message).splitlines())
    passed_line = "Passed: " + ", ".join(passed) if passed else ""
    blocks = [f"## {name}: {points(got)} / {points(possible)}", "\n".join(failures), passed_line]
    return "\n\n".join(b for b in blocks if b)

"""Report stage: results.json in Gradescope's schema and the feedback text.

Files are written atomically (a temporary file, then a rename), so a reader never sees half a
result, and a crash leaves the previous complete file or none.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_atomically
from .results import GradeResult, test_name


def gradescope_results(result: GradeResult, config: dict) -> dict:
    """The results.json document (Gradescope autograder specification)."""
    hidden_visibility = "after_published" if config.get("show_hidden") else "hidden"
    tests = []
    for case in result.cases:
        tests.append({
            "name": test_name(case.question, case.name),
            "score": round(case.score, 5),
            "max_score": round(case.max_score, 5),
            "status": "passed" if case.passed else "failed",
            "output": case.message,
            "visibility": hidden_visibility if case.hidden else "visible",
        })
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 1),
        "output": "\n".join(result.summary),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def feedback_text(result: GradeResult) -> str:
    """Plain-text feedback with the same messages as the Gradescope view (hidden ones included)."""
    lines = [f"{result.submission}: {result.score:g} / {result.max_score:g}", *result.summary, ""]
    for question, (got, possible) in result.question_scores().items():
        lines.append(f"{question}: {got:g} / {possible:g}")
        for case in (c for c in result.cases if c.question == question and not c.passed):
            lines.append(f"  - {case.name}: {case.message}")
    return "\n".join(lines) + "\n"


def result_files(result: GradeResult, config: dict) -> dict[str, str]:
    """The text of each file a grading leaves: results.json, feedback.txt, instructor_notes.txt."""
    files = {
        "results.json": json.dumps(gradescope_results(result, config), indent=2) + "\n",
        "feedback.txt": feedback_text(result),
    }
    if result.instructor_notes:
        files["instructor_notes.txt"] = "\n".join(result.instructor_notes) + "\n"
    if result.kernel_log.strip():
        files["kernel_log.txt"] = result.kernel_log
    return files


def write_outputs(result: GradeResult, out_dir: Path, config: dict) -> Path:
    """DIR/<submission>/ with result_files(); returns the results.json path."""
    folder = out_dir / result.submission
    for name, text in result_files(result, config).items():
        write_atomically(folder / name, text)
    return folder / "results.json"

"""Report stage: results.json in Gradescope's schema and the feedback text.

Files are written atomically (a temporary file, then a rename), so a reader never sees half a
result, and a crash leaves the previous complete file or none.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..atomic import write_atomically
from .results import GradeResult, test_name


def gradescope_results(result: GradeResult, config: dict) -> dict:
    """The results.json document (Gradescope autograder specification)."""
    hidden_visibility = "after_published" if config.get("show_hidden") else "hidden"
    tests = []
    shown = _shown_maxima(result)
    for case, max_score in zip(result.cases, shown, strict=True):
        tests.append({
            "name": test_name(case.question, case.name),
            "score": max_score if case.passed else round(case.score, 5),
            "max_score": max_score,
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


def _shown_maxima(result: GradeResult, places: int = 5) -> list[float]:
    """Each check's points rounded to `places`, so that a question's checks add up to its points:
    three checks of 2/3 point show 0.66667, 0.66667 and 0.66666, not 2.00001 (largest remainders
    get the last unit)."""
    unit = 10**places
    shown = [0.0] * len(result.cases)
    for question in dict.fromkeys(case.question for case in result.cases):
        indices = [i for i, case in enumerate(result.cases) if case.question == question]
        exact = [result.cases[i].max_score * unit for i in indices]
        units = [math.floor(value) for value in exact]
        short = round(sum(exact)) - sum(units)
        for rank in sorted(range(len(indices)), key=lambda k: exact[k] - units[k], reverse=True)[:short]:
            units[rank] += 1
        for i, count in zip(indices, units, strict=True):
            shown[i] = count / unit
    return shown


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

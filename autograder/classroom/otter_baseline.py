"""Grade with stock ``otter run`` on the generated otter autograder (the baseline path)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..course.data import kernel_environment
from ..engine.results import question_of


@dataclass
class QuestionScore:
    name: str
    score: float
    max_score: float


def scores_from_results(results: dict) -> dict[str, QuestionScore]:
    """Per-question scores from an otter/Gradescope results.json (summary rows skipped)."""
    scores = {}
    for test in results.get("tests", []):
        if "max_score" in test:
            name = question_of(test["name"])
            scores[name] = QuestionScore(name, float(test.get("score", 0.0)), float(test["max_score"]))
    return scores


def otter_run(notebook: Path, autograder_zip: Path, timeout: int = 1200) -> dict:
    """Run ``otter run`` on one notebook and return its results.json as a dict."""
    if not autograder_zip.exists():
        raise FileNotFoundError(f"{autograder_zip} is missing: run `python -m autograder build` first.")
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder_zip), "-o", out, str(notebook)]
        subprocess.run(command, env=kernel_environment(), capture_output=True, text=True, timeout=timeout)
        results = Path(out) / "results.json"
        if not results.exists():
            return {"score": 0.0, "tests": [], "output": "otter run wrote no results.json"}
        return json.loads(results.read_text())


def otter_scores(notebook: Path, autograder_zip: Path) -> dict[str, QuestionScore]:
    return scores_from_results(otter_run(Path(notebook).resolve(), autograder_zip))

"""Test helper: a Gradescope autograder zip unpacked and run the way Gradescope runs it.

The zip goes into a temporary root laid out like Gradescope's /autograder (source/, submission/,
results/) and is locked down with its own lockdown.sh; its run_autograder then runs with this
project's environment (instead of the /autograder/venv that setup.sh would create). results.json
must satisfy a JSON Schema of Gradescope's specification
(autograder/gradescope/gradescope_results.schema.json) and carry the instructors' grading record.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema

from autograder.course.paths import AUTOGRADER
from autograder.gradescope.container import RECORD_NAME

SCHEMA = json.loads((AUTOGRADER / "gradescope" / "gradescope_results.schema.json").read_text())


def gradescope_root(zip_path: Path, root: Path) -> Path:
    """Unpack like Gradescope (zip into source/), run the zip's lockdown step as setup.sh does."""
    for name in ("source", "submission", "results"):
        (root / name).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "lockdown.sh", "run_autograder"):  # zipfile drops the modes
        (root / "source" / name).chmod(0o755)
    subprocess.run(["bash", str(root / "source" / "lockdown.sh")], check=True)
    return root


def run_autograder(root: Path) -> dict:
    """Run the zip's run_autograder; results.json must be valid and carry the instructors' grading record."""
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    record = grading_record(results)
    assert record["output"] in done.stdout, "the record is also in the instructor-only standard output"
    assert "sandbox: bubblewrap" in record["output"], record["output"]  # this machine has bubblewrap
    return results


def grading_record(results: dict) -> dict:
    """The one informational test for instructors: no points, never shown to students."""
    records = [t for t in results["tests"] if t["name"] == RECORD_NAME]
    assert len(records) == 1 and records[0]["visibility"] == "hidden"
    assert "score" not in records[0] and "max_score" not in records[0]
    assert results.get("stdout_visibility", "hidden") == "hidden"
    return records[0]


def graded_tests(results: dict) -> list[dict]:
    return [t for t in results["tests"] if t["name"] != RECORD_NAME]


def applied_time_limits(record: str) -> tuple[float, list[float]]:
    """The machine-speed factor and each code cell's limit, as a grading's notes (or record) say (engine/speed.py)."""
    note = next(line for line in record.splitlines() if line.startswith("Time limits:"))
    scale = re.search(r"x([0-9.]+) \+", note)
    limits = re.search(r"Limits of code cells 1-\d+ \(s\): ([0-9, ]+)\.", note).group(1)
    return (float(scale.group(1)) if scale else float("inf")), [float(x) for x in limits.split(", ")]

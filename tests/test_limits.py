"""The time limits add up: a grading that hits every one of them still ends in time with a result.

The Gradescope profile must end before Gradescope's own timeout (which would leave the student a
zero and no feedback). The arithmetic is checked for the real profile; a real grading checks it
for a scaled-down copy of the profile (the same stages, seconds instead of minutes) with a
notebook that runs into the cell, notebook, probe and judge limits one after another.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import nbformat

from autograder.engine import GradingOptions, grade_submission
from autograder.limits import GRADESCOPE, GRADESCOPE_TIMEOUT_SECONDS, LOCAL, TimeLimits

from .submissions import MNIST

# Every stage of one grading, longest first: what the worst case adds up.
STAGES = ("notebook_seconds", "judge_seconds", "kernel_start_seconds", "cleanup_seconds")


def test_the_gradescope_profiles_worst_case_ends_before_gradescopes_timeout():
    limits = GRADESCOPE.time
    assert limits.worst_case_seconds() >= sum(getattr(limits, stage) for stage in STAGES)
    assert limits.worst_case_seconds() <= GRADESCOPE_TIMEOUT_SECONDS - 4 * 60  # setup and upload time
    assert limits.probe_seconds <= limits.judge_seconds


def test_a_grading_that_hits_every_time_limit_ends_in_time_with_a_result(tmp_path):
    """Endless cells (cell and notebook limits), then functions that never return (probe and judge limits)."""
    limits = replace(
        TimeLimits(),
        cell_floor_seconds=6, cell_multiple=0, cell_seconds=6, notebook_seconds=20,
        probe_seconds=3, judge_seconds=12, interrupt_seconds=5, cleanup_seconds=5,
    )
    cells = [
        "import time\n"
        "def reshape_images(images):\n    time.sleep(3600)\n"
        "def normalize_images(images):\n    time.sleep(3600)\n"
        "def one_hot_labels(labels, num_classes=10):\n    time.sleep(3600)\n",
        "while True:\n    pass",
        "while True:\n    pass",
        "while True:\n    pass",
        "while True:\n    pass",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / f"{MNIST.name}.ipynb"
    nbformat.write(notebook, path)
    started = time.monotonic()
    result = grade_submission(path, tmp_path / "out", GradingOptions(MNIST.task(), replace(LOCAL, time=limits)))
    elapsed = time.monotonic() - started
    assert result.status == "timeout" and result.score == 0.0, result.summary
    assert elapsed <= limits.worst_case_seconds(), f"{elapsed:.0f} s > {limits.worst_case_seconds():.0f} s"
    document = json.loads((tmp_path / "out" / result.submission / "results.json").read_text())
    assert document["score"] == 0 and document["tests"]
    assert "Code cell 2 was stopped" in document["output"], document["output"]

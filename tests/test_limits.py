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

from autograder.engine import GradingOptions, SpeedCheck, grade_submission
from autograder.engine.speed import machine_speed
from autograder.limits import GRADESCOPE, GRADESCOPE_TIMEOUT_SECONDS, LOCAL, TimeLimits

from .submissions import MNIST

# Every stage of one grading, longest first: what the worst case adds up.
STAGES = ("notebook_seconds", "judge_seconds", "kernel_start_seconds", "speed_check_seconds", "cleanup_seconds")


def test_the_gradescope_profiles_worst_case_ends_before_gradescopes_timeout():
    limits = GRADESCOPE.time
    assert limits.worst_case_seconds() >= sum(getattr(limits, stage) for stage in STAGES)
    assert limits.worst_case_seconds() <= GRADESCOPE_TIMEOUT_SECONDS - 4 * 60  # setup and upload time
    assert limits.probe_seconds <= limits.judge_seconds


def test_cell_limits_follow_the_machine_but_never_below_the_build_nor_above_the_cap():
    limits = TimeLimits(cell_floor_seconds=60, cell_multiple=3, cell_seconds=600)
    assert limits.cell_budget(40) == limits.cell_budget(40, 0.5) == 180  # a faster machine keeps the build's limit
    assert limits.cell_budget(40, 2.0) == 300 and limits.cell_budget(40, 10.0) == 600
    assert limits.cell_budget(40, float("inf")) == limits.cell_budget(None, 3.0) == 600
    for profile in (LOCAL, GRADESCOPE):  # the check is bounded, and counted in the worst case
        assert 0 < profile.time.speed_check_seconds <= profile.time.notebook_seconds / 10


class FakeKernel:
    """Answers each request after `seconds` (a step of the check), or as `behaviour` says."""

    def __init__(self, seconds: float, behaviour: str = "ok") -> None:
        self.seconds, self.behaviour, self.requests, self.interrupted = seconds, behaviour, [], False

    def run_code(self, code: str, timeout: float) -> dict:
        self.requests.append(code)
        if self.behaviour == "endless" and "step()" in code:
            time.sleep(min(timeout, 0.2))
            raise TimeoutError
        time.sleep(self.seconds)
        return {"status": "error", "ename": "ImportError"} if self.behaviour == "no keras" else {"status": "ok"}

    def interrupt(self) -> bool:
        self.interrupted = True
        return True


def _check(reference_seconds: float, step: str = "step()") -> SpeedCheck:
    return SpeedCheck(f"def step(): pass  # {time.monotonic_ns()}", step, reference_seconds)  # a fresh check: not cached


def test_the_speed_check_scales_once_per_process_and_never_below_one():
    limits = TimeLimits(speed_check_seconds=5)
    slow = _check(0.01)
    first = machine_speed(FakeKernel(0.05), slow, limits)
    assert first.scale >= 4 and "in this grading's kernel" in first.source
    kernel = FakeKernel(0.0)
    again = machine_speed(kernel, slow, limits)
    assert again.scale == first.scale and "earlier grading of this process" in again.source and not kernel.requests
    faster = machine_speed(FakeKernel(0.02), _check(1.0), limits)
    assert faster.scale == 1.0 and "ratio 0.0" in faster.source  # measured faster than the build: the build's limits
    budgets = [limits.cell_budget(s, first.scale) for s in (1, 100)]
    note = first.note(budgets, limits)
    assert note.startswith("Time limits:") and f"x{first.scale:.2f}" in note and "0.010 s where the reference" in note


def test_a_speed_check_that_fails_or_never_ends_still_leaves_limits():
    limits = TimeLimits(speed_check_seconds=1)
    failed = machine_speed(FakeKernel(0.0, "no keras"), _check(0.1), limits)
    assert failed.scale == 1.0 and "failed in the kernel (ImportError)" in failed.source
    kernel = FakeKernel(0.0, "endless")
    endless = machine_speed(kernel, _check(0.1), limits)
    assert endless.scale == float("inf") and kernel.interrupted and "did not finish within 1 s" in endless.source
    assert "x" not in endless.note([600.0], limits).split("time ")[1][:3]  # "the profile's maximum", no factor
    assert kernel.requests[-1] == SpeedCheck.cleanup_code()  # its namespace is forgotten either way
    assert machine_speed(kernel, None, limits).scale == 1.0  # no check recorded with the reference


def test_a_grading_that_hits_every_time_limit_ends_in_time_with_a_result(tmp_path):
    """An endless speed check, endless cells (cell and notebook limits), then functions that never return
    (probe and judge limits)."""
    limits = replace(
        TimeLimits(),
        cell_floor_seconds=6, cell_multiple=0, cell_seconds=6, notebook_seconds=45, speed_check_seconds=4,
        probe_seconds=3, judge_seconds=12, interrupt_seconds=5, cleanup_seconds=5,
    )
    cells = [
        "import time\n"
        "def reshape_images(images):\n    time.sleep(3600)\n"
        "def normalize_images(images):\n    time.sleep(3600)\n"
        "def one_hot_labels(labels, num_classes=10):\n    time.sleep(3600)\n",
        *["while True:\n    pass"] * 7,  # 42 s of cells: past the notebook's 45 s with the preamble and the check
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / f"{MNIST.name}.ipynb"
    nbformat.write(notebook, path)
    started = time.monotonic()
    task = replace(MNIST.task(), speed_check=_check(0.1, "while True: pass"))
    result = grade_submission(path, tmp_path / "out", GradingOptions(task, replace(LOCAL, time=limits)))
    elapsed = time.monotonic() - started
    assert result.status == "timeout" and result.score == 0.0, result.summary
    assert elapsed <= limits.worst_case_seconds(), f"{elapsed:.0f} s > {limits.worst_case_seconds():.0f} s"
    document = json.loads((tmp_path / "out" / result.submission / "results.json").read_text())
    assert document["score"] == 0 and document["tests"]
    assert "Code cell 2 was stopped" in document["output"], document["output"]
    assert any("the speed check did not finish within 4 s" in note for note in result.instructor_notes)

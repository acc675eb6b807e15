"""How long each of a submission's cells may run, from the reference solution's cells.

``build`` executes the reference solution; ``record`` turns that run into one entry per code cell
(the seconds it ran, rounded up to whole seconds so that a rebuild rarely changes the file, the
global names it binds, and the question whose ``grader.check`` comes next), saved beside the hidden
tests as ``cell_times.json``. The engine gives a student's cell a multiple of its reference time
plus a floor (``limits.TimeLimits.cell_budget``).

Students add, split and merge cells, and these notebooks' cells have no ids, so a student's cell is
matched by what it does and where it is, not by its position:

* by name: every reference cell that binds a name the student's cell binds (``model = ...``,
  ``def build_model``);
* by place: every reference cell before the same question's check (the first ``grader.check``
  at or after the cell; "the end" after the last check);

and it gets the longest of those reference times. A cell whose place the reference does not know (a
notebook without checks, a question that does not exist) gets the longest time of the whole
reference. Generous on purpose: an honest cell that does what a reference cell does gets that
cell's time, while an infinite loop in a light cell is stopped after about the floor.

The same kernel first runs :data:`SPEED_SETUP` and times :data:`SPEED_STEP` (a few eager
TensorFlow products and a NumPy normalization, the arithmetic of these lessons, fixed and
deterministic: about 0.2 s). ``cell_times.json`` keeps that median step time beside the cells, and
every grading times the same step in its own kernel to scale the reference times to its machine
(engine/speed.py). The reference solution itself is not what is re-timed: it would cost a whole
training per grading machine, and shipping it (in the Gradescope zip, to Dask workers) would put
the answer key where only the hidden tests' lock-down protects it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat

from ..engine import CellReference, SpeedCheck
from .assignments import CourseError
from .cells import bound_names, checked_questions, parsable

END = ""  # the place of cells after the notebook's last check

# The speed check's workload: what a lesson's cells spend their time on (dense products, ReLU and
# softmax in TensorFlow, as a Dense network's training steps do, and NumPy scaling of pixels), small
# enough that five steps cost about a second. Eager operations: nothing is traced or compiled.
SPEED_SETUP = """\
import numpy as np
from keras import ops

_rng = np.random.default_rng(0)
x = _rng.random((1024, 784), dtype=np.float32)
w1 = _rng.normal(0, 0.05, (784, 256)).astype(np.float32)
w2 = _rng.normal(0, 0.05, (256, 10)).astype(np.float32)
pixels = _rng.integers(0, 256, (4000, 784), dtype=np.uint8)


def step(rounds=10):
    total = 0.0
    for _ in range(rounds):
        hidden = ops.relu(ops.matmul(x, w1))
        probabilities = ops.softmax(ops.matmul(hidden, w2))
        back = ops.matmul(probabilities, ops.transpose(w2)) * ops.cast(hidden > 0, "float32")
        total += float(ops.sum(ops.matmul(ops.transpose(x), back)))
    return total + float((pixels.astype(np.float32) / 255.0).sum())


step(1)  # TensorFlow's first operations start its thread pools: not timed
"""
SPEED_STEP = "step()"


class TimingError(CourseError):
    """A cell_times.json that cannot be used (rebuild the assignment)."""


@dataclass(frozen=True)
class ReferenceCell:
    seconds: int  # how long the reference solution's cell ran, rounded up
    names: tuple[str, ...]  # global names it binds, sorted (a stable value: the resume key hashes it)
    question: str  # the question whose check comes next (END after the last check)


def _places(sources: list[str]) -> list[str]:
    """For each cell, the first question checked at or after it (END after the last check)."""
    places, upcoming = [], END
    for source in reversed(sources):
        checks = checked_questions(source)
        upcoming = checks[0] if checks else upcoming
        places.append(upcoming)
    return places[::-1]


def _code_sources(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _seconds(cell: nbformat.NotebookNode) -> float:
    """Run time nbclient recorded for an executed cell (record_timing), 0 if it did not."""
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        started, replied = (datetime.fromisoformat(timing[key]) for key in ("iopub.execute_input", "shell.execute_reply"))
    except (KeyError, TypeError, ValueError):
        return 0.0
    return max(0.0, (replied - started).total_seconds())


def record(executed: nbformat.NotebookNode) -> list[ReferenceCell]:
    """One entry per code cell of an executed reference solution."""
    cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    places = _places([cell.source for cell in cells])
    return [
        ReferenceCell(math.ceil(_seconds(cell)), tuple(sorted(bound_names(cell.source))), place)
        for cell, place in zip(cells, places, strict=True)
    ]


def speed_check_cells() -> list[nbformat.NotebookNode]:
    """The speed check as code cells, run before the reference's own cells when build times them."""
    check = unmeasured_check()
    sources = [check.setup_code(), *[check.step_code()] * check.repeats, check.cleanup_code()]
    return [nbformat.v4.new_code_cell(source) for source in sources]


def unmeasured_check() -> SpeedCheck:
    return SpeedCheck(SPEED_SETUP, SPEED_STEP, 0.0)


def speed_step_seconds(executed_check_cells: list[nbformat.NotebookNode]) -> float:
    """The median step time of the executed speed-check cells (setup first, cleanup last)."""
    steps = sorted(_seconds(cell) for cell in executed_check_cells[1:-1])
    return steps[len(steps) // 2]


def save(cells: list[ReferenceCell], path: Path, speed_seconds: float | None = None) -> None:
    entries = [{"seconds": c.seconds, "question": c.question, "names": list(c.names)} for c in cells]
    document: dict = {"cells": entries}
    if speed_seconds is not None:  # the machine's speed when these times were taken (engine/speed.py)
        document["speed_check"] = {"step_seconds": round(speed_seconds, 4), "workload": unmeasured_check().digest}
    path.write_text(json.dumps(document, indent=1) + "\n")


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise TimingError(f"{path} is unreadable ({error}): run `python -m autograder build` again") from None


def load(path: Path) -> list[ReferenceCell] | None:
    """The recorded reference cells, or None when the solution was never executed (no file)."""
    if not path.exists():
        return None
    try:
        entries = _read(path)["cells"]
        return [ReferenceCell(int(e["seconds"]), tuple(sorted(map(str, e["names"]))), str(e["question"])) for e in entries]
    except (KeyError, TypeError, ValueError) as error:
        raise TimingError(f"{path} is unreadable ({error}): run `python -m autograder build` again") from None


def speed_check(path: Path) -> SpeedCheck | None:
    """The speed check with the step time recorded beside the reference's cells; None when it was not
    recorded (an older build) or recorded for another workload: then the build's times apply unscaled."""
    recorded = _read(path).get("speed_check") if path.exists() else None
    check = unmeasured_check()
    if not isinstance(recorded, dict) or recorded.get("workload") != check.digest:
        return None
    seconds = recorded.get("step_seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 < seconds < 3600:
        raise TimingError(f"{path}: step_seconds {seconds!r} is not a time: run `python -m autograder build` again")
    return SpeedCheck(check.setup, check.step, float(seconds), check.repeats)


def _where(place: str, checks_here: list[str], any_checks: bool) -> str:
    if checks_here:
        return f"the {checks_here[0]} check"
    if place != END:
        return f"before the {place} check"
    return "after the last check" if any_checks else ""


def cell_references(reference: list[ReferenceCell], notebook: nbformat.NotebookNode) -> list[CellReference]:
    """For each code cell of a submission, the reference time it matches and where it is.

    Oversized cells are not parsed (cells.parsable): they bind no name and check nothing here.
    """
    sources = [source or "" for source in parsable(_code_sources(notebook))]
    places = _places(sources)
    any_checks = any(checked_questions(source) for source in sources)
    longest = max((c.seconds for c in reference), default=0)
    by_place: dict[str, int] = {}
    for cell in reference:
        by_place[cell.question] = max(by_place.get(cell.question, 0), cell.seconds)
    references = []
    for source, place in zip(sources, places, strict=True):
        names = bound_names(source)
        by_name = [c.seconds for c in reference if names.intersection(c.names)]
        here = by_place.get(place) if any_checks else None
        seconds = max([*by_name, longest if here is None else here])
        references.append(CellReference(float(seconds), _where(place, checked_questions(source), any_checks)))
    return references

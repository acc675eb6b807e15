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
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat

from ..engine import CellReference
from .cells import bound_names, checked_questions, parsable

END = ""  # the place of cells after the notebook's last check


class TimingError(ValueError):
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


def save(cells: list[ReferenceCell], path: Path) -> None:
    entries = [{"seconds": c.seconds, "question": c.question, "names": list(c.names)} for c in cells]
    path.write_text(json.dumps({"cells": entries}, indent=1) + "\n")


def load(path: Path) -> list[ReferenceCell] | None:
    """The recorded reference cells, or None when the solution was never executed (no file)."""
    if not path.exists():
        return None
    try:
        entries = json.loads(path.read_text())["cells"]
        return [ReferenceCell(int(e["seconds"]), tuple(sorted(map(str, e["names"]))), str(e["question"])) for e in entries]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise TimingError(f"{path} is unreadable ({error}): run `python -m autograder build` again") from None


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

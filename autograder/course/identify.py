"""Which assignment a submitted notebook belongs to.

Evidence, strongest first: the ``otter.assignment_name`` that otter assign writes into every
student notebook (Jupyter keeps notebook metadata when the student saves); the file's name, or
the name it had before it was copied (``Copy of mnist_nn.ipynb``, ``mnist_nn (1).ipynb``,
``mnist_nn-Copy1.ipynb``: the naming rules students' notebooks use themselves, in
``release/student/notebook_setup.py``); and, when both are missing, the functions the notebook
defines and the questions it checks, compared with each assignment's student notebook. A notebook
none of these recognise is left to the grader that was asked for (``None``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import nbformat

from ..release.student.notebook_setup import assignment_stem
from .assignments import Assignment
from .cells import checked_questions, function_names, parsable

MIN_OVERLAP = 0.5  # share of an assignment's own names a notebook must define to count as it
MAX_NAME_CHARS = 255


def defined_names(notebook: nbformat.NotebookNode) -> set[str]:
    """Functions defined and questions checked by a notebook's code cells (unparsable and oversized cells skipped).

    The grader identifies every submission before grading it: what it parses is capped (cells.parsable).
    """
    names: set[str] = set()
    for source in parsable(c.source for c in notebook.cells if c.cell_type == "code"):
        if source is not None:
            names.update(checked_questions(source), function_names(source))
    return names


@functools.cache
def _fingerprint(student_notebook: Path) -> frozenset[str]:
    return frozenset(defined_names(nbformat.read(student_notebook, as_version=4)))


def claimed_name(notebook: nbformat.NotebookNode) -> str | None:
    """The assignment name otter assign wrote into the notebook, if it is there."""
    otter = notebook.metadata.get("otter")
    name = otter.get("assignment_name") if isinstance(otter, dict) else None
    return name if isinstance(name, str) else None


def identified_name(notebook: nbformat.NotebookNode, file_name: str, student_notebooks: Iterable[Path]) -> str | None:
    """The name of the assignment this notebook is, among those whose student notebooks (``<name>.ipynb``) are given."""
    by_name = {path.stem: path for path in student_notebooks}
    claimed = claimed_name(notebook)
    if claimed in by_name:
        return claimed
    # A file system's names have at most 255 bytes; a zip's may have 65,535, on which the copy patterns'
    # regular expressions take quadratic time (a run of spaces): such a name is no evidence.
    for stem in (Path(file_name).stem, assignment_stem(file_name)) if len(file_name) <= MAX_NAME_CHARS else ():
        if stem in by_name:
            return stem
    defined = defined_names(notebook)
    scores = []
    for name, path in by_name.items():
        own = _fingerprint(path) if path.exists() else frozenset()
        if own:
            scores.append((len(defined & own) / len(own), name))
    scores.sort(reverse=True)
    if scores and scores[0][0] >= MIN_OVERLAP and (len(scores) == 1 or scores[0][0] > scores[1][0]):
        return scores[0][1]
    return None


def unanswered(notebook: nbformat.NotebookNode, distributed: tuple[str, ...]) -> bool:
    """True when the notebook's code is exactly the code students were given (distributed_code): nothing was answered."""
    return _code(notebook) == distributed


def _code(notebook: nbformat.NotebookNode) -> tuple[str, ...]:
    return tuple(c.source.strip() for c in notebook.cells if c.cell_type == "code" and c.source.strip())


def distributed_code(student_notebook: Path) -> tuple[str, ...]:
    """The code cells of the notebook students were given (its prose changes nothing a grading depends on)."""
    return _code(nbformat.read(student_notebook, as_version=4)) if student_notebook.exists() else ()


def roster(student_notebooks: Iterable[Path]) -> str:
    """A digest of everything identified_name compares a notebook with: each assignment's name and fingerprint.

    Identification (the code aside) changes only when this does: a grading's record keeps it, so adding an
    assignment re-identifies recorded submissions instead of changing every assignment's grader version.
    """
    entries = sorted((path.stem, sorted(_fingerprint(path)) if path.exists() else None) for path in student_notebooks)
    return hashlib.sha256(json.dumps(entries).encode()).hexdigest()[:16]


def identify(notebook: nbformat.NotebookNode, file_name: str, assignments: Iterable[Assignment]) -> Assignment | None:
    """The assignment this notebook is, or None when nothing recognises it."""
    by_name = {a.name: a for a in assignments}
    return by_name.get(identified_name(notebook, file_name, [a.student_notebook for a in by_name.values()]))

"""Which assignment a submitted notebook belongs to.

Evidence, strongest first: the ``otter.assignment_name`` that otter assign writes into every
student notebook (Jupyter keeps notebook metadata when the student saves); the file's name;
and, when both are missing, the functions the notebook defines and the questions it checks,
compared with each assignment's student notebook. A notebook none of these recognise is left
to the grader that was asked for (``None``).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat

from .assignments import Assignment

_CHECK = re.compile(r"""grader\.check\(\s*["']([^"']+)["']""")
MIN_OVERLAP = 0.5  # share of an assignment's own names a notebook must define to count as it


# The grader identifies every submission before grading it: what it parses is capped, so that a
# huge notebook costs milliseconds here (an answer is never in a cell this large).
MAX_CELL_CHARS = 20_000
MAX_CODE_CHARS = 200_000  # the lessons hold ~20 KB of code


def defined_names(notebook: nbformat.NotebookNode) -> set[str]:
    """Functions defined and questions checked by a notebook's code cells (unparsable and oversized cells skipped)."""
    cells = [c.source for c in notebook.cells if c.cell_type == "code" and len(c.source) <= MAX_CELL_CHARS]
    cells = [c for c in cells if not c.lstrip().startswith("%%")]
    budget, kept = MAX_CODE_CHARS, []
    for source in cells:
        budget -= len(source)
        if budget < 0:
            break
        kept.append(source)
    names = set(_CHECK.findall("\n".join(kept)))
    for source in kept:
        try:
            tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        names.update(node.name for node in tree.body if isinstance(node, ast.FunctionDef))
    return names


@functools.cache
def _fingerprint(student_notebook: Path) -> frozenset[str]:
    return frozenset(defined_names(nbformat.read(student_notebook, as_version=4)))


def claimed_name(notebook: nbformat.NotebookNode) -> str | None:
    """The assignment name otter assign wrote into the notebook, if it is there."""
    otter = notebook.metadata.get("otter")
    name = otter.get("assignment_name") if isinstance(otter, dict) else None
    return name if isinstance(name, str) else None


def identify(notebook: nbformat.NotebookNode, file_name: str, assignments: Iterable[Assignment]) -> Assignment | None:
    """The assignment this notebook is, or None when nothing recognises it."""
    candidates = list(assignments)
    by_name = {a.name: a for a in candidates}
    claimed = claimed_name(notebook)
    if claimed in by_name:
        return by_name[claimed]
    stem = Path(file_name).stem
    if stem in by_name:
        return by_name[stem]
    defined = defined_names(notebook)
    scores = []
    for assignment in candidates:
        own = _fingerprint(assignment.student_notebook) if assignment.student_notebook.exists() else frozenset()
        if own:
            scores.append((len(defined & own) / len(own), assignment.name))
    scores.sort(reverse=True)
    if scores and scores[0][0] >= MIN_OVERLAP and (len(scores) == 1 or scores[0][0] > scores[1][0]):
        return by_name[scores[0][1]]
    return None

"""Read an otter-assign master notebook (``Assignment.master``): its questions, its reference
solutions, its hidden tests, and what of it students are meant to see."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

_MARKER = re.compile(r"^\s*#\s*(BEGIN|END)\s+(SOLUTION|QUESTION|TESTS)\b", re.IGNORECASE)
# Inside a code cell: otter's solution regions, lines it replaces, and the first line of a hidden test.
_BEGIN_LINE = re.compile(r"^\s*#\s*BEGIN\s+SOLUTION\b", re.IGNORECASE)
_END_LINE = re.compile(r"^\s*#\s*END\s+SOLUTION\b", re.IGNORECASE)
_SOLUTION_LINE = re.compile(r"#\s*SOLUTION\s*$")
_HIDDEN_FIRST_LINE = re.compile(r"^\s*#\s*HIDDEN\s*$")


def _marker(cell) -> tuple[str, str] | None:
    if cell.cell_type != "raw":
        return None
    match = _MARKER.match(cell.source)
    return (match.group(1).upper(), match.group(2).upper()) if match else None


def solution_code(master: Path) -> str:
    """Source of the solution cells that define functions: the reference implementation."""
    notebook = nbformat.read(master, as_version=4)
    inside, chunks = False, []
    for cell in notebook.cells:
        marker = _marker(cell)
        if marker and marker[1] == "SOLUTION":
            inside = marker[0] == "BEGIN"
        elif inside and cell.cell_type == "code" and "def " in cell.source:
            chunks.append(cell.source)
    return "\n\n".join(chunks)


_BEGIN_LINE = re.compile(r"^\s*#\s*BEGIN SOLUTION\b")
_END_LINE = re.compile(r"^\s*#\s*END SOLUTION\b")
_SOLUTION_LINE = re.compile(r"\s*#\s*SOLUTION\s*$")


def question_names(master: Path) -> list[str]:
    """Question names in notebook order, from the BEGIN QUESTION blocks."""
    notebook = nbformat.read(master, as_version=4)
    return re.findall(
        r"#\s*BEGIN\s+QUESTION\s*\n\s*name:\s*(\S+)",
        "\n".join(c.source for c in notebook.cells if c.cell_type == "raw"),
    )


def reference_namespace(master: Path) -> dict:
    """Run the reference solutions and return their namespace (numpy as np, keras, functions)."""
    import keras
    import numpy as np

    namespace: dict = {"np": np, "keras": keras}
    exec(compile(solution_code(master), str(master), "exec"), namespace)
    return namespace


@dataclass(frozen=True)
class HiddenTest:
    """A hidden test of the master: its function name and the lines of its body."""

    question: str
    name: str
    body: tuple[str, ...]


@dataclass(frozen=True)
class _Cell:
    cell: nbformat.NotebookNode
    question: str | None
    in_solution: bool  # between raw BEGIN SOLUTION and END SOLUTION cells: only in the solution
    in_tests: bool  # between raw BEGIN TESTS and END TESTS cells


def _cells(notebook: nbformat.NotebookNode) -> Iterator[_Cell]:
    """Every cell that is not a raw marker, with the block it sits in."""
    question, in_solution, in_tests = None, False, False
    for cell in notebook.cells:
        marker = _marker(cell)
        if marker is None and cell.cell_type == "raw" and cell.source.lstrip().startswith("# ASSIGNMENT CONFIG"):
            continue
        if marker is None:
            yield _Cell(cell, question, in_solution, in_tests)
        elif marker[1] == "QUESTION":
            found = re.search(r"^\s*name:\s*(\S+)", cell.source, re.MULTILINE)
            question = (found.group(1) if found else None) if marker[0] == "BEGIN" else None
        elif marker[1] == "SOLUTION":
            in_solution = marker[0] == "BEGIN"
        else:
            in_tests = marker[0] == "BEGIN"


def _is_hidden_test(cell: nbformat.NotebookNode) -> bool:
    lines = cell.source.lstrip().splitlines()
    return bool(lines) and bool(_HIDDEN_FIRST_LINE.match(lines[0]))


def _split_solution(source: str) -> tuple[list[str], list[str]]:
    """(solution lines, the other lines) of a code cell: lines between the in-cell markers, and the code
    of lines ending in ``# SOLUTION`` (otter replaces them with ``...``)."""
    solution, given, inside = [], [], False
    for line in source.splitlines():
        if _BEGIN_LINE.match(line):
            inside = True
        elif _END_LINE.match(line):
            inside = False
        elif inside:
            solution.append(line)
        elif _SOLUTION_LINE.search(line):
            solution.append(_SOLUTION_LINE.sub("", line).rstrip())
        else:
            given.append(line)
    return solution, given


def solution_lines(master: Path) -> list[str]:
    """Every line only the solution has: the code of its solution regions and ``# SOLUTION`` lines, and
    the cells between raw BEGIN SOLUTION / END SOLUTION that students do not get (worked answers)."""
    lines: list[str] = []
    for item in _cells(nbformat.read(master, as_version=4)):
        if item.in_tests:
            continue
        if item.cell.cell_type == "code":
            lines += _split_solution(item.cell.source)[0]
        elif item.in_solution:
            lines += item.cell.source.splitlines()
    return [line for line in lines if line.strip()]


def public_text(master: Path) -> str:
    """What of the master students are meant to see: prose and given code outside the solutions, and
    the public tests (the raw markers, the config, solution lines and hidden tests left out)."""
    parts = []
    for item in _cells(nbformat.read(master, as_version=4)):
        cell = item.cell
        if item.in_tests:
            if cell.cell_type == "code" and not _is_hidden_test(cell):
                parts.append(cell.source)
        elif cell.cell_type == "code":
            parts.append("\n".join(_split_solution(cell.source)[1]))
        elif not item.in_solution:
            parts.append(cell.source)
    return "\n".join(parts)


def hidden_tests(master: Path) -> list[HiddenTest]:
    """The hidden tests (test cells whose first line is ``# HIDDEN``): each function's name and body lines."""
    found = []
    for item in _cells(nbformat.read(master, as_version=4)):
        if not (item.in_tests and item.cell.cell_type == "code" and _is_hidden_test(item.cell)):
            continue
        source = item.cell.source
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef):
                body = ast.get_source_segment(source, node) or ""
                lines = tuple(line for line in body.splitlines()[1:] if line.strip())
                found.append(HiddenTest(item.question or "", node.name, lines))
    return found

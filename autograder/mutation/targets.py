"""What mutation testing mutates: the solution code of each question of a master notebook.

A target is one top-level statement of a solution cell: a student function (only the lines
between its ``# BEGIN SOLUTION`` and ``# END SOLUTION`` comments are the student's; the
signature and docstring are given) or an assigned value (a line ending in ``# SOLUTION``).
The checks that judge a target are those whose arguments name what it binds (checks.py).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
import nbformat

_RAW_MARKER = re.compile(r"^\s*#\s*(BEGIN|END)\s+(SOLUTION|QUESTION)\b", re.IGNORECASE)
_QUESTION_NAME = re.compile(r"^\s*name:\s*(\S+)", re.MULTILINE)
_BEGIN_LINE = re.compile(r"^\s*#\s*BEGIN SOLUTION\b")
_END_LINE = re.compile(r"^\s*#\s*END SOLUTION\b")
_SOLUTION_LINE = re.compile(r"#\s*SOLUTION\s*$")


@dataclass(frozen=True)
class Target:
    question: str  # the question whose solution holds it
    names: tuple[str, ...]  # the names it binds
    kind: str  # "function" or "value"
    source: str  # the statement as the master has it
    lines: tuple[int, int]  # first and last line of `source` that are solution code (1-based)

    @property
    def label(self) -> str:
        return ", ".join(self.names)


@dataclass(frozen=True)
class Solution:
    targets: list[Target]
    notebook_names: frozenset[str]  # every name a code cell of the master assigns at top level


def _marker(cell) -> tuple[str, str] | None:
    if cell.cell_type != "raw":
        return None
    match = _RAW_MARKER.match(cell.source)
    return (match.group(1).upper(), match.group(2).upper()) if match else None


def _solution_cells(notebook) -> Iterator[tuple[str, str]]:
    """(question, source) of every code cell inside a question's solution block."""
    question, in_solution = None, False
    for cell in notebook.cells:
        marker = _marker(cell)
        if marker == ("BEGIN", "QUESTION"):
            found = _QUESTION_NAME.search(cell.source)
            question = found.group(1) if found else None
        elif marker == ("END", "QUESTION"):
            question = None
        elif marker is not None and marker[1] == "SOLUTION":
            in_solution = marker[0] == "BEGIN"
        elif in_solution and question and cell.cell_type == "code":
            yield question, cell.source


def _bound_names(statement: cst.BaseStatement) -> tuple[str, ...]:
    tree = ast.parse(cst.Module(body=[statement]).code)
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return tuple(dict.fromkeys(names))


def _target(question: str, statement: cst.BaseStatement) -> Target | None:
    source = cst.Module(body=[statement]).code
    lines = source.splitlines()
    names = _bound_names(statement)
    if isinstance(statement, cst.FunctionDef):
        begin = [i for i, line in enumerate(lines, 1) if _BEGIN_LINE.match(line)]
        end = [i for i, line in enumerate(lines, 1) if _END_LINE.match(line)]
        if begin and end and end[-1] - begin[0] > 1:
            return Target(question, names, "function", source, (begin[0] + 1, end[-1] - 1))
        return None
    solution = [i for i, line in enumerate(lines, 1) if _SOLUTION_LINE.search(line)]
    if names and solution:
        return Target(question, names, "value", source, (solution[0], solution[-1]))
    return None


def _assigned_names(notebook) -> frozenset[str]:
    names: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics
            continue
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return frozenset(names)


def read_solution(master: Path) -> Solution:
    """The targets of a master notebook, in notebook order."""
    notebook = nbformat.read(master, as_version=4)
    targets = []
    for question, source in _solution_cells(notebook):
        module = cst.parse_module(source)
        for statement in module.body:
            target = _target(question, statement)
            if target is not None:
                targets.append(target)
    return Solution(targets, _assigned_names(notebook))


def affected_names(target: Target, targets: list[Target]) -> set[str]:
    """What a mutant of target can change: the names it binds, and every function that uses them (transitively)."""
    return affected_by(set(target.names), targets)


def affected_by(changed: set[str], targets: list[Target]) -> set[str]:
    """`changed`, and every function of the solution that uses one of them (transitively)."""
    names = set(changed)
    uses = {t.names[0]: _loads(t.source) for t in targets if t.kind == "function"}
    grown = True
    while grown:
        callers = {function for function, loads in uses.items() if loads & names} - names
        names |= callers
        grown = bool(callers)
    return names


def _loads(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

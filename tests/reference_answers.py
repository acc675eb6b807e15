"""A student notebook with the reference answers typed in (test helper).

Each code cell of the student notebook that still holds a stub (``...``) gets the source of the
reference solution's cell that binds the same first name (``def reshape_images``,
``total_params = ...``): what a student who wrote the reference's answers would have saved. Every
other cell (the set-up cell, the checks, the export) stays as the student notebook has it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from .submissions import top_level_names


def has_stub(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Constant) and node.value is Ellipsis for node in ast.walk(tree))


def with_reference_answers(student: Path, solution: Path) -> nbformat.NotebookNode:
    """The student notebook with every stub cell replaced by the reference's cell binding the same names."""
    notebook = nbformat.read(student, as_version=4)
    reference = [c for c in nbformat.read(solution, as_version=4).cells if c.cell_type == "code"]
    answered = 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or not has_stub(cell.source):
            continue
        names = top_level_names(cell.source)
        matches = [c for c in reference if names and top_level_names(c.source)[:1] == names[:1]]
        if len(matches) != 1:
            raise ValueError(f"{student}: {len(matches)} reference cells bind {names[:1]}; expected exactly one")
        cell.source = matches[0].source
        answered += 1
    if not answered:
        raise ValueError(f"{student} has no stub cell to answer")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook

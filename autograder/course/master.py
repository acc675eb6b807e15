"""Read an otter-assign master notebook (``Assignment.master``): its questions and its reference solutions."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

_MARKER = re.compile(r"^\s*#\s*(BEGIN|END)\s+(SOLUTION|QUESTION|TESTS)\b", re.IGNORECASE)


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


def solution_lines(master: Path) -> list[str]:
    """What only the solution holds, none of which may reach students: each line between a ``# BEGIN
    SOLUTION`` and ``# END SOLUTION`` comment, each line ending in ``# SOLUTION`` (without the marker),
    stripped, and the text of every markdown cell of a solution block (a worked answer)."""
    notebook = nbformat.read(master, as_version=4)
    inside_block, found = False, []
    for cell in notebook.cells:
        marker = _marker(cell)
        if marker and marker[1] == "SOLUTION":
            inside_block = marker[0] == "BEGIN"
        elif inside_block and cell.cell_type == "markdown" and cell.source.strip():
            found.append(cell.source.strip())
        elif cell.cell_type == "code":
            inside_lines = False
            for line in cell.source.splitlines():
                if _BEGIN_LINE.match(line) or _END_LINE.match(line):
                    inside_lines = bool(_BEGIN_LINE.match(line))
                elif inside_lines or _SOLUTION_LINE.search(line):
                    found.append(_SOLUTION_LINE.sub("", line).strip())
    return [line for line in found if any(c.isalnum() for c in line) and not line.startswith("#")]


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

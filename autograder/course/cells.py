"""What a notebook's code cells say, read without running them: the names they bind, the checks they run.

Used to recognise an assignment's notebook (identify.py) and to match a student's cells with the
reference solution's (timing.py). Student code may not parse; such a cell simply says nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from ..limits import COURSE

_CHECK = re.compile(r"""grader\.check\(\s*["']([^"']+)["']""")


def parsable(sources: Iterable[str]) -> list[str | None]:
    """Each cell's source where it may be parsed (COURSE's caps, in notebook order), else None."""
    budget, kept = COURSE.parsed_code_chars, []
    for source in sources:
        small = len(source) <= COURSE.parsed_cell_chars and not source.lstrip().startswith("%%")  # %%: not Python
        budget -= len(source) if small else 0
        kept.append(source if small and budget >= 0 else None)
    return kept


def parse_cell(source: str) -> ast.Module | None:
    """The cell's syntax tree, IPython magics and shell lines left out; None if it does not parse."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def checked_questions(source: str) -> list[str]:
    """The questions a cell checks with ``grader.check("qN")``, in order."""
    return _CHECK.findall(source)


def function_names(source: str) -> set[str]:
    """Functions the cell defines at its top level."""
    tree = parse_cell(source)
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)} if tree else set()


class _Bound(ast.NodeVisitor):
    """Global names a cell binds: assignments, loop and with targets, definitions, imports.

    Function and class bodies, lambdas and comprehensions have their own scopes: not entered.
    """

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self.names.add(node.id)

    def _defines(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.names.add(node.name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _defines

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.names.update((alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*")

    visit_ImportFrom = visit_Import

    def _own_scope(self, node: ast.AST) -> None:
        pass

    visit_Lambda = visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _own_scope


def bound_names(source: str) -> set[str]:
    """Global names the cell binds (``model = ...``, ``def build_model``, ``import keras``)."""
    tree = parse_cell(source)
    if tree is None:
        return set()
    visitor = _Bound()
    visitor.visit(tree)
    return visitor.names

"""The mutants of a target: every single change the operators make to its solution lines."""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider, MetadataWrapper, PositionProvider

from .operators import OPERATORS, Scope
from .targets import Target

DIFF_LINES = 6  # a removed multi-line statement is shown by its first lines


@dataclass(frozen=True)
class Mutant:
    target: Target
    operator: str
    code: str  # the whole mutated statement, ready to run in the kernel
    line: int  # the first changed line, counted in the statement (the def line is 1)

    @property
    def changes(self) -> tuple[str, ...]:
        """The removed (-) and added (+) lines of the statement."""
        return tuple(
            line
            for line in difflib.unified_diff(self.target.source.splitlines(), self.code.splitlines(), n=0, lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )

    @property
    def diff(self) -> str:
        """A short diff: where, which operator, the changed lines (a long removal by its first lines)."""
        changed = list(self.changes)
        if len(changed) > DIFF_LINES:
            changed = [*changed[: DIFF_LINES - 1], f"  ... {len(changed) - DIFF_LINES + 1} more changed lines"]
        return "\n".join([f"{self.target.question} {self.target.label}, line {self.line} ({self.operator})", *changed])


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def _scope(statement: cst.BaseStatement, contexts, source: str, notebook_names: frozenset[str]) -> Scope:
    loads = frozenset(id(n) for n, c in contexts.items() if isinstance(n, cst.Name) and c == ExpressionContext.LOAD)
    if not isinstance(statement, cst.FunctionDef):
        return Scope(loads=loads, notebook_names=notebook_names)
    params = [*statement.params.params, *statement.params.kwonly_params]
    defaults = {p.name.value: p.default for p in params if p.default is not None}
    function = ast.parse(source).body[0]
    local_names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    local_names |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    parameters = frozenset(p.name.value for p in params)
    return Scope(loads, defaults, parameters, frozenset(local_names), notebook_names, in_function=True)


def _first_changed_line(before: str, after: str) -> int:
    pairs = zip(before.splitlines(), after.splitlines(), strict=False)
    return next((i for i, (a, b) in enumerate(pairs, 1) if a != b), 1)


def mutants_of(target: Target, notebook_names: frozenset[str] = frozenset()) -> list[Mutant]:
    """Every distinct, valid mutant of the target's solution lines, in source order."""
    wrapper = MetadataWrapper(cst.parse_module(target.source))
    positions = wrapper.resolve(PositionProvider)
    tree = wrapper.module
    scope = _scope(tree.body[0], wrapper.resolve(ExpressionContextProvider), target.source, notebook_names)
    collector = _Nodes()
    tree.visit(collector)
    first, last = target.lines
    seen, mutants = {target.source}, []
    for node in collector.nodes:
        where = positions.get(node)
        if where is None or where.start.line < first or where.end.line > last:
            continue
        for operator in OPERATORS:
            for name, replacement in operator(node, scope):
                code = tree.deep_replace(node, replacement).code
                if code in seen or not _compiles(code):
                    continue
                seen.add(code)
                mutants.append(Mutant(target, name, code, _first_changed_line(target.source, code)))
    return mutants


def _compiles(code: str) -> bool:
    try:
        compile(code, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True

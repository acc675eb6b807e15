"""The checks of an assignment, one by one: what each reads, and a test folder holding only it.

A mutant is judged by the checks that read what it changes, one at a time and stopping at the
first that fails: the engine's judge runs each check from its own folder, so a check that
cannot see the change (``test_model_reaches_minimum_test_accuracy`` for a mutant of
``test_acc``) costs nothing, and a killed mutant costs one failing check rather than all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from ..engine.judge import case_title
from ..engine.results import question_key


@dataclass(frozen=True)
class Check:
    question: str
    function: str  # the test function's name
    reads: frozenset[str]  # its arguments: the student names it reads
    public: bool
    folder: Path  # a tests folder holding only this check, in its question's file

    @property
    def title(self) -> str:
        """The check's name as the judge reports it."""
        return case_title(SimpleNamespace(__name__=self.function))

    @property
    def label(self) -> str:
        return f"{self.question} - {self.title}"


def _is_check(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef) and any(
        isinstance(d, ast.Call) and getattr(d.func, "id", "") == "test_case" for d in node.decorator_list
    )


def _public(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        for keyword in getattr(decorator, "keywords", []):
            if keyword.arg == "hidden" and isinstance(keyword.value, ast.Constant):
                return not keyword.value.value
    return True


def _parsed(tests_dir: Path) -> Iterator[tuple[Path, list[ast.stmt], ast.FunctionDef]]:
    """(question file, its statements that are not checks, one check) for every check, in question order."""
    for path in sorted(tests_dir.glob("q*.py"), key=lambda p: question_key(p.stem)):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        header = [node for node in tree.body if not _is_check(node)]
        for node in (n for n in tree.body if _is_check(n)):
            yield path, header, node


def _reads(node: ast.FunctionDef) -> frozenset[str]:
    return frozenset(a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs])


def split_checks(tests_dir: Path, into: Path) -> list[Check]:
    """Every check of every question file of tests_dir, each written alone into a folder under `into`."""
    checks = []
    for path, header, node in _parsed(tests_dir):
        folder = into / f"{path.stem}-{node.name}"
        folder.mkdir(parents=True)
        (folder / path.name).write_text(ast.unparse(ast.Module(body=[*header, node], type_ignores=[])) + "\n")
        checks.append(Check(path.stem, node.name, _reads(node), _public(node), folder))
    return checks


def check_sources(tests_dir: Path) -> list[tuple[Check, str]]:
    """Every check (without a folder) with its source as the run judges it (for digests)."""
    return [(Check(path.stem, node.name, _reads(node), _public(node), path.parent), ast.unparse(node))
            for path, _, node in _parsed(tests_dir)]


def readers(checks: list[Check]) -> dict[str, frozenset[str]]:
    """For each question, the names its checks read."""
    found: dict[str, set[str]] = {}
    for check in checks:
        found.setdefault(check.question, set()).update(check.reads)
    return {q: frozenset(names) for q, names in found.items()}


def relevant(checks: list[Check], names: set[str], question: str) -> list[Check]:
    """The checks that read any of `names`: the target's own question first, public checks first."""
    chosen = [c for c in checks if c.reads & names]
    return sorted(chosen, key=lambda c: (c.question != question, not c.public))

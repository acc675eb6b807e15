"""The corpus: honest and buggy submissions, each written as a change to the reference solution.

An entry is a short Python file, ``<corpus>/<assignment>/correct/<style>.py`` (an honest style: it
keeps full marks) or ``<corpus>/<assignment>/buggy/<bug>.py`` (one mistake). Header comments:

* ``# breaks: q3``: the only question a buggy entry loses (required for a buggy entry);
* ``# fails: q3 - one hot leaves input unchanged``: a check that must be among those it fails;
* ``# says: changed its argument `labels```: words that check's message must contain.

Chunks are separated by ``# %%``; each replaces the reference's code cell that binds the chunk's
first name at top level. ``submission`` writes that notebook, for a full grading.

The same entry can be judged in the live reference kernel that mutation runs use (kernel.py),
without training: its chunks run in place of their cells and, in notebook order, every statement
``name = function(...)`` of the other cells that reads what they changed runs again, with copies
of its data arguments; a model that the entry's builder makes again takes over the trained
weights of the reference's model. Then every check that reads a changed name is judged, and the
reference is put back. An entry that trains (``.fit(``) or whose model's weights do not fit the
reference's is left to full gradings.
"""

from __future__ import annotations

import ast
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..course.assignments import Assignment
from ..engine.judge import judge
from ..limits import MutationLimits
from .checks import Check, relevant, split_checks
from .kernel import ReferenceKernel, reference_notebook
from .targets import Target, affected_by, read_solution

KINDS = ("correct", "buggy")
CHUNK_SEPARATOR = "# %%"
Step = tuple[str, str, str]  # ("code", source, "") or ("replay", statement, the name it binds)


class CorpusError(ValueError):
    """An entry that does not fit its reference notebook."""


def header(path: Path, key: str) -> str | None:
    """The value of a `# key: value` line of a corpus (or attack) file."""
    match = re.search(rf"^# {key}: (.+?)\s*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return match.group(1) if match else None


def top_level_names(source: str) -> list[str]:
    """Names a piece of code binds at top level, in order."""
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                found = [n for n in ast.walk(target) if isinstance(n, ast.Name)]
                names += [n.id for n in sorted(found, key=lambda n: (n.lineno, n.col_offset))]
    return names


def _names_of_cell(source: str) -> list[str]:
    try:
        return top_level_names(source)
    except SyntaxError:  # IPython magics
        return []


@dataclass(frozen=True)
class Entry:
    path: Path
    assignment: str
    kind: str  # "correct" or "buggy"

    @property
    def name(self) -> str:
        return f"{self.assignment}/{self.kind}/{self.path.stem}"

    def __str__(self) -> str:
        return self.name

    @property
    def breaks(self) -> str | None:
        return header(self.path, "breaks")

    @property
    def fails(self) -> str | None:
        return header(self.path, "fails")

    @property
    def says(self) -> str | None:
        return header(self.path, "says")

    def chunks(self) -> list[str]:
        text = self.path.read_text(encoding="utf-8")
        return [c.strip() + "\n" for c in text.split(CHUNK_SEPARATOR) if top_level_names(c)]

    @property
    def trains(self) -> bool:
        """It trains a model itself: only a full grading judges it."""
        return any(".fit(" in chunk for chunk in self.chunks())

    def defining(self, name: str) -> str | None:
        """The chunk that binds `name`, if any."""
        return next((c for c in self.chunks() if name in top_level_names(c)), None)


def entries(corpus: Path, assignment: str, kind: str) -> list[Entry]:
    """The entries of corpus/<assignment>/<kind>/, by name ([] if there is no such folder)."""
    return [Entry(path, assignment, kind) for path in sorted((corpus / assignment / kind).glob("*.py"))]


def _matching_cell(chunk: str, cells: list[nbformat.NotebookNode], entry: Entry) -> nbformat.NotebookNode:
    first = top_level_names(chunk)[0]
    matches = [c for c in cells if c.cell_type == "code" and first in _names_of_cell(c.source)]
    if len(matches) != 1:
        raise CorpusError(f"{entry}: {len(matches)} cells of the reference bind {first!r}; expected exactly one")
    return matches[0]


def submission(entry: Entry, reference: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The reference notebook (outputs cleared) with the entry's chunks in place of their cells."""
    notebook = nbformat.from_dict(reference)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    for chunk in entry.chunks():
        _matching_cell(chunk, notebook.cells, entry).source = chunk
    return notebook


def _replayable(statement: ast.stmt) -> str | None:
    """The name bound by `name = function(...)` (a plain name called), else None."""
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Name)
    ):
        return statement.targets[0].id
    return None


def _loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def steps(entry: Entry, reference: nbformat.NotebookNode, read: set[str] | None = None) -> tuple[list[Step], list[str]]:
    """The entry's chunks and the replayed statements, in notebook order; every name they bind.

    With `read` (the names the checks read), a statement is replayed only if what it binds is read,
    or is used by a later replayed statement that is: the training data, which no check reads, is
    not computed again.
    """
    cells = [c for c in reference.cells if c.cell_type == "code"]
    placed = {id(_matching_cell(chunk, cells, entry)): chunk for chunk in entry.chunks()}
    found: list[tuple[Step, set[str]]] = []
    changed: set[str] = set()
    for cell in cells:
        if id(cell) in placed:
            found.append((("code", placed[id(cell)], ""), set()))
            changed |= set(top_level_names(placed[id(cell)]))
            continue
        try:
            body = ast.parse(cell.source).body
        except SyntaxError:
            continue
        for statement in body:
            bound, loads = _replayable(statement), _loads(statement.value) if isinstance(statement, ast.Assign) else set()
            if bound is not None and loads & changed:
                found.append((("replay", ast.unparse(statement), bound), loads))
                changed.add(bound)
    if read is not None:
        needed, kept = set(read), []
        for step, loads in reversed(found):
            if step[0] == "code" or step[2] in needed:
                kept.append((step, loads))
                needed |= loads
        found = kept[::-1]
    plan = [step for step, _ in found]
    names = [name for kind, source, bound in plan for name in (top_level_names(source) if kind == "code" else [bound])]
    return plan, list(dict.fromkeys(names))


@dataclass
class Verdict:
    entry: Entry
    judged: bool = True
    reason: str = ""  # why it was not judged live
    checks: list[str] = field(default_factory=list)  # the labels of the checks judged
    failed: dict[str, str] = field(default_factory=dict)  # check label -> message

    @property
    def lost(self) -> set[str]:
        return {label.split(" - ")[0] for label in self.failed}


class LiveCorpus:
    """Judges corpus entries in a live reference kernel (kernel.py), one after another."""

    def __init__(self, kernel: ReferenceKernel, reference: nbformat.NotebookNode, checks: list[Check],
                 targets: list[Target], failing: set[str]) -> None:
        self.kernel, self.reference, self.checks, self.targets = kernel, reference, checks, targets
        self.failing = failing  # the checks the reference itself fails: not judged

    def judge(self, entry: Entry) -> Verdict:
        if entry.trains:
            return Verdict(entry, judged=False, reason="it trains a model: judged by full gradings")
        plan, changed = steps(entry, self.reference, {name for check in self.checks for name in check.reads})
        raised = self.kernel.apply_steps(plan, changed)
        if raised:
            other = raised == "WeightsDoNotFit"
            reason = "its model has another architecture: judged by full gradings" if other else f"applying it raised {raised}"
            return Verdict(entry, judged=False, reason=reason)
        try:
            names = affected_by(set(changed), self.targets)
            chosen = [c for c in relevant(self.checks, names, "") if c.label not in self.failing]
            verdict = Verdict(entry, checks=[c.label for c in chosen])
            namespace = self.kernel.namespace()
            for check in chosen:
                for case in judge(check.folder, namespace):
                    if not case.passed:
                        verdict.failed[check.label] = case.message
        finally:
            self.kernel.restore(collect=True)
        return verdict


@contextmanager
def live_corpus(assignment: Assignment, limits: MutationLimits | None = None) -> Iterator[LiveCorpus]:
    """The assignment's reference solution run once in the sandboxed engine, ready to judge entries."""
    reference = reference_notebook(assignment.solution)
    with tempfile.TemporaryDirectory(prefix="autograder-corpus-") as folder, \
            ReferenceKernel(assignment.task(), reference, limits or MutationLimits()) as kernel:
        checks = split_checks(assignment.hidden_tests, Path(folder))
        baseline = judge(assignment.hidden_tests, kernel.namespace())
        failing = {f"{case.question} - {case.name}" for case in baseline if not case.passed}
        yield LiveCorpus(kernel, reference, checks, read_solution(assignment.master).targets, failing)


def problems(verdict: Verdict) -> list[str]:
    """What is wrong with a judged entry's verdict: an honest style that lost points, a bug in the wrong place."""
    entry, found = verdict.entry, []
    if not verdict.judged:
        return found
    if entry.kind == "correct" and verdict.failed:
        found += [f"{entry}: an honest style failed {label}: {message}" for label, message in verdict.failed.items()]
    if entry.kind == "buggy":
        if verdict.lost != {entry.breaks}:
            found.append(f"{entry}: breaks {entry.breaks}, but lost {sorted(verdict.lost) or 'nothing'} ({verdict.failed})")
        if entry.fails and entry.fails not in verdict.failed:
            found.append(f"{entry}: should fail {entry.fails!r}; failed {sorted(verdict.failed)}")
        elif entry.fails and entry.says and entry.says not in verdict.failed[entry.fails]:
            found.append(f"{entry}: the message of {entry.fails!r} should say {entry.says!r}: {verdict.failed[entry.fails]!r}")
    return found

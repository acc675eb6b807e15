"""Prove that a student tree gives nothing away: no solution, no hidden test, no reference output.

The secrets come from each assignment's master notebook and its executed reference solution:

* every solution line (between the solution markers, or ending in ``# SOLUTION``, and the
  solution-only cells such as worked answers);
* every hidden test's function name and the lines of its body;
* every number the executed reference printed with at least four significant digits (accuracies,
  losses, parameter counts).

A secret that students are meant to see anyway is not one: a line or number that also appears in the
master's public part (prose, given code, public tests) or, for numbers, in a support file shipped by
design (``nn_data.py``'s pinned label counts are the test set's class sizes) is dropped. Lines are
compared with all whitespace removed, so re-indenting or re-wrapping a leaked line does not hide it.

Every file of the tree is scanned: notebooks as every string they hold (sources, outputs, metadata;
images excepted), other files as text. A file that is not UTF-8 text cannot be scanned and is itself
reported, except a dataset ``<name>.npz`` in a ``data/`` folder (nn_data's verified arrays).
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..course.assignments import Assignment, Course
from ..course.master import hidden_tests, public_text, solution_lines

# Shorter lines (``])``, ``pass``) carry no answer; they match far too much to be worth a report.
MIN_LINE_CHARS = 8
# Numbers in the reference's outputs with fewer significant digits (epoch counts, 0.985) are too common.
MIN_NUMBER_DIGITS = 4
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w.])")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z_]\w*")
_PYTHONS_OWN = frozenset(keyword.kwlist) | frozenset(dir(builtins))


@dataclass(frozen=True)
class Secret:
    kind: str  # "solution line", "hidden test name", "hidden test line", "reference output"
    source: str  # where it comes from: the assignment and question or test
    text: str  # as the master or the reference has it

    @property
    def needle(self) -> str:
        return squeeze(self.text)


@dataclass(frozen=True)
class Leak:
    path: Path
    secret: Secret

    def __str__(self) -> str:
        return f"{self.path}: {self.secret.kind} of {self.secret.source}: {self.secret.text.strip()[:120]}"


def squeeze(text: str) -> str:
    """The text with all whitespace removed (how lines are compared)."""
    return _SPACE.sub("", text)


def names_nothing(line: str) -> bool:
    """Whether a line is made of Python's own words only (``continue``, ``except Exception:``, ``return True``):
    it says nothing about an answer, and any support file may hold it."""
    return not re.search(r"\d|['\"]", line) and all(word in _PYTHONS_OWN for word in _WORD.findall(line))


def numbers(text: str) -> set[str]:
    """The numbers written in text, without thousands separators ("717,210" -> "717210")."""
    return {match.replace(",", "") for match in _NUMBER.findall(text)}


def significant_digits(number: str) -> int:
    return len(number.replace(".", "").lstrip("0"))


def reference_outputs(solution: Path) -> str:
    """The text the executed reference solution printed (streams, results, displays; no images)."""
    notebook = nbformat.read(solution, as_version=4)
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            parts.append(output.get("text", ""))
            parts += [v for k, v in output.get("data", {}).items() if k.startswith("text/") and isinstance(v, str)]
    return "\n".join(parts)


def assignment_secrets(assignment: Assignment, public_files: tuple[Path, ...] = ()) -> list[Secret]:
    """Everything of one assignment that must never reach a student."""
    public = public_text(assignment.master)
    visible = squeeze(public)
    found: dict[tuple[str, str], Secret] = {}

    def add(kind: str, source: str, text: str, minimum: int = MIN_LINE_CHARS) -> None:
        needle = squeeze(text)
        if len(needle) >= minimum and needle not in visible and not (kind.endswith("line") and names_nothing(text)):
            found.setdefault((kind, needle), Secret(kind, source, text.strip()))

    for line in solution_lines(assignment.master):
        add("solution line", f"{assignment.name}'s solution", line)
    for test in hidden_tests(assignment.master):
        source = f"{assignment.name} {test.question} {test.name}"
        add("hidden test name", source, test.name, minimum=1)
        for line in test.body:
            add("hidden test line", source, line)
    if assignment.solution.exists():
        shown = numbers(public) | {n for path in public_files for n in numbers(path.read_text(encoding="utf-8"))}
        source = f"{assignment.name}'s reference"
        for number in sorted(numbers(reference_outputs(assignment.solution)) - shown):
            if significant_digits(number) >= MIN_NUMBER_DIGITS:
                found.setdefault(("reference output", number), Secret("reference output", source, number))
    return list(found.values())


def course_secrets(course: Course) -> list[Secret]:
    """The secrets of every assignment of the course."""
    secrets = []
    for assignment in course.assignments().values():
        shipped = tuple(p for p in (*assignment.support_files, course.data_module) if p.exists())
        secrets += assignment_secrets(assignment, shipped)
    return secrets


def _strings(value, skip_images: bool = True) -> list[str]:
    """Every string inside a notebook's JSON (its images' base64 left out)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for key, item in value.items() if not (skip_images and str(key).startswith("image/")) for s in _strings(item)]
    return []


def file_text(path: Path) -> str | None:
    """What of a file is scanned: a notebook's strings, another file's text; None if it is not UTF-8 text."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    if path.suffix == ".ipynb":
        try:
            return "\n".join(_strings(json.loads(text)))
        except ValueError:
            return text
    return text


def is_dataset_file(relative: Path, datasets: tuple[str, ...]) -> bool:
    return relative.parent.name == "data" and relative.suffix == ".npz" and relative.stem in datasets


def scan(tree: Path, secrets: list[Secret], datasets: tuple[str, ...] = ()) -> tuple[list[Leak], list[Path]]:
    """(every secret found in a file of tree, the files that could not be scanned)."""
    leaks, unscannable = [], []
    lines = [s for s in secrets if s.kind != "reference output"]
    secret_numbers = {s.text: s for s in secrets if s.kind == "reference output"}
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        text = file_text(path)
        if text is None:
            if not is_dataset_file(path.relative_to(tree), datasets):
                unscannable.append(path)
            continue
        squeezed = squeeze(text)
        leaks += [Leak(path, s) for s in lines if s.needle in squeezed]
        leaks += [Leak(path, secret_numbers[n]) for n in sorted(numbers(text) & secret_numbers.keys())]
    return leaks, unscannable

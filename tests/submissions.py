"""Build submission notebooks from the corpus in tests/corpus/ (test helper).

A corpus entry is a small Python file: optional header comments (``# breaks: q3`` names the
question the entry must lose points on) and chunks separated by ``# %%``. Each chunk replaces
the code cell of the reference solution that binds the chunk's first name at top level.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat

from autograder.course.assignments import get_assignment
from autograder.limits import LOCAL, TimeLimits

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

CORPUS = Path(__file__).parent / "corpus"
QUESTIONS = [f"q{i}" for i in range(1, 9)]
ATTACKS = Path(__file__).parent / "attacks"

# Answers to q1, q2, q3 and q5 (7 points) that need no training: the base of the attack notebooks.
HONEST_LIGHT_CELLS = [
    "import numpy as np",
    "def reshape_images(images):\n    return images.reshape(len(images), -1)",
    "def normalize_images(images):\n    return images.astype(np.float32) / 255.0",
    "def one_hot_labels(labels, num_classes=10):\n    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels)]",
    "total_params = 717210",
]
HONEST_LIGHT_SCORE = 7.0
# Short limits for the hostile notebooks: an endless cell costs 20 s, not 10 minutes.
ATTACK_PROFILE = replace(
    LOCAL,
    time=TimeLimits(cell_seconds=20, cell_floor_seconds=20, notebook_seconds=180, probe_seconds=60),
)


@dataclass(frozen=True)
class Entry:
    path: Path
    breaks: str | None

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"

    def __str__(self) -> str:
        return self.name


def corpus(kind: str) -> list[Entry]:
    """Entries of tests/corpus/<kind>/ ("correct" or "buggy")."""
    entries = []
    for path in sorted((CORPUS / kind).glob("*.py")):
        entries.append(Entry(path, header(path, "breaks")))
    return entries


def header(path: Path, key: str) -> str | None:
    """The value of a `# key: value` line of a corpus or attack file."""
    match = re.search(rf"^# {key}: (.+?)\s*$", path.read_text(), flags=re.MULTILINE)
    return match.group(1) if match else None


def attacks() -> list[Path]:
    return sorted(p for p in ATTACKS.glob("*.py") if p.suffix == ".py")


def honest_light_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in HONEST_LIGHT_CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def build_attack(path: Path, target: Path, *more: Path) -> Path:
    """The honest light notebook with the attack's cells before or after its answers (and the
    cells of `more` attacks after them)."""
    notebook = honest_light_notebook()
    attack_cells = [nbformat.v4.new_code_cell(c.strip()) for c in path.read_text().split("# %%")[1:]]
    if header(path, "position") == "start":
        notebook.cells = notebook.cells[:1] + attack_cells + notebook.cells[1:]
    else:
        notebook.cells += attack_cells
    for other in more:
        notebook.cells += [nbformat.v4.new_code_cell(c.strip()) for c in other.read_text().split("# %%")[1:]]
    nbformat.write(notebook, target)
    return target


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


def chunks(entry: Entry) -> list[str]:
    text = entry.path.read_text()
    return [c.strip() + "\n" for c in text.split("# %%") if top_level_names(c)]


def reference_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.read(MNIST.solution, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def build_submission(entry: Entry, target: Path) -> Path:
    """Write the reference notebook with the entry's chunks swapped in; return its path."""
    notebook = reference_notebook()
    for chunk in chunks(entry):
        first = top_level_names(chunk)[0]
        matches = [c for c in notebook.cells if c.cell_type == "code" and first in top_level_names(c.source)]
        if len(matches) != 1:
            raise ValueError(f"{entry}: {len(matches)} cells bind {first!r}; expected exactly one")
        matches[0].source = chunk
    nbformat.write(notebook, target)
    return target


def with_endless_loop_before_check(solution: Path, question: str) -> nbformat.NotebookNode:
    """The notebook with an endless loop in a new cell just before `question`'s grader.check (a light cell)."""
    notebook = nbformat.read(solution, as_version=4)
    check = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and f'grader.check("{question}")' in c.source)
    loop = nbformat.v4.new_code_cell("while True:\n    pass")
    if notebook.nbformat_minor < 5:  # cell ids came with format 4.5: an older notebook with one is invalid
        loop.pop("id", None)
    notebook.cells.insert(check, loop)
    return notebook

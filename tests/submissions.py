"""Build submission notebooks from the corpus in tests/corpus/ (test helper).

The corpus holds, per assignment, honest styles (``tests/corpus/<assignment>/correct/``) and
single-bug variants (``tests/corpus/<assignment>/buggy/``); ``autograder/mutation/corpus.py``
documents an entry's form (``# breaks: q3`` names the question a bug must lose; chunks separated
by ``# %%`` replace the reference's cells that bind the same names).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import nbformat

from autograder.course.assignments import ASSIGNMENTS, get_assignment
from autograder.limits import LOCAL, TimeLimits
from autograder.mutation import corpus as corpus_files
from autograder.mutation.corpus import Entry, header, top_level_names  # noqa: F401  (the tests import them from here)

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


def corpus(kind: str, assignment: str = MNIST.name) -> list[Entry]:
    """Entries of tests/corpus/<assignment>/<kind>/ ("correct" or "buggy")."""
    return corpus_files.entries(CORPUS, assignment, kind)


def corpus_assignments() -> list[str]:
    """The assignments with a corpus (tests/corpus/<name>/), each held to the lessons' bar; a new assignment
    may start without one (README: Add an assignment)."""
    return [name for name in sorted(ASSIGNMENTS) if (CORPUS / name).is_dir()]


def every_entry() -> list[Entry]:
    """Every entry of every assignment's corpus."""
    return [e for name in corpus_assignments() for kind in corpus_files.KINDS for e in corpus(kind, name)]


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


def build_submission(entry: Entry, target: Path) -> Path:
    """Write the entry's assignment's reference notebook with the entry's chunks swapped in; return its path."""
    reference = nbformat.read(get_assignment(entry.assignment).solution, as_version=4)
    nbformat.write(corpus_files.submission(entry, reference), target)
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

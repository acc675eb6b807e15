"""Generate everything that derives from the master notebook, and check it is current.

One command (``python -m autograder build``) runs otter assign on the master notebook with the
grading configuration of ``otter_config.json`` and writes:

* ``assignment/``: the student notebook, its public tests and the data helper;
* ``autograder/hidden_tests/``: every test, hidden ones included (never shipped to students);
* ``build/mnist_nn-otter-autograder.zip``: otter's own autograder, for ``otter run``;
* ``solutions/mnist_nn_solution.ipynb``: the reference solution, executed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .paths import (
    ASSIGNMENT,
    ASSIGNMENT_NAME,
    DATA_MODULE,
    HIDDEN_TESTS,
    MASTER_NOTEBOOK,
    OTTER_AUTOGRADER_ZIP,
    OTTER_CONFIG,
    SOLUTION_NOTEBOOK,
    STUDENT_NOTEBOOK,
)


@dataclass
class OtterOutput:
    """Where otter assign put its results."""

    root: Path

    @property
    def student(self) -> Path:
        return self.root / "student"

    @property
    def autograder(self) -> Path:
        return self.root / "autograder"

    @property
    def zip(self) -> Path:
        return next(self.autograder.glob(f"{ASSIGNMENT_NAME}-autograder_*.zip"))


def grading_config() -> dict:
    """The grading configuration every grader of this project reads."""
    return json.loads(OTTER_CONFIG.read_text())


def run_otter_assign(workdir: Path) -> OtterOutput:
    """Run otter assign on a copy of the master whose `generate` block is otter_config.json."""
    master = nbformat.read(MASTER_NOTEBOOK, as_version=4)
    first = master.cells[0]
    config_lines = [line for line in first.source.splitlines() if not line.startswith("generate:")]
    generate = json.dumps(grading_config())  # JSON is valid YAML
    first.source = "\n".join(config_lines + [f"generate: {generate}"])
    source = workdir / "source"
    source.mkdir()
    nbformat.write(master, source / MASTER_NOTEBOOK.name)
    shutil.copy2(DATA_MODULE, source / DATA_MODULE.name)
    output = workdir / "dist"
    command = [sys.executable, "-m", "otter", "assign", "--no-pdfs", str(source / MASTER_NOTEBOOK.name), str(output)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"otter assign failed:\n{done.stdout}\n{done.stderr}")
    return OtterOutput(output)


def _replace_tree(source: Path, target: Path, pattern: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob(pattern):
        old.unlink()
    for new in sorted(source.glob(pattern)):
        shutil.copy2(new, target / new.name)


def install_outputs(out: OtterOutput) -> None:
    """Copy otter's results to their places in the repository."""
    ASSIGNMENT.mkdir(exist_ok=True)
    shutil.copy2(out.student / STUDENT_NOTEBOOK.name, STUDENT_NOTEBOOK)
    shutil.copy2(out.student / DATA_MODULE.name, ASSIGNMENT / DATA_MODULE.name)
    _replace_tree(out.student / "tests", ASSIGNMENT / "tests", "q*.py")
    _replace_tree(out.autograder / "tests", HIDDEN_TESTS, "q*.py")
    OTTER_AUTOGRADER_ZIP.parent.mkdir(exist_ok=True)
    shutil.copy2(out.zip, OTTER_AUTOGRADER_ZIP)


def execute_solution(out: OtterOutput, timeout: int = 600) -> None:
    """Execute otter's solution notebook next to the public tests; save it as the reference."""
    from nbclient import NotebookClient

    from .data import kernel_environment

    with tempfile.TemporaryDirectory() as run_dir:
        run_dir = Path(run_dir)
        shutil.copytree(out.student / "tests", run_dir / "tests")
        shutil.copy2(DATA_MODULE, run_dir / DATA_MODULE.name)
        notebook = nbformat.read(out.autograder / STUDENT_NOTEBOOK.name, as_version=4)
        nbformat.write(notebook, run_dir / STUDENT_NOTEBOOK.name)  # otter.Notebook reads it from disk
        client = NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(run_dir)}}
        )
        client.execute(env=kernel_environment())
    nbformat.write(notebook, SOLUTION_NOTEBOOK)


def build(execute: bool = True) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(Path(workdir))
        install_outputs(out)
        if execute:
            execute_solution(out)


def build_otter_zip(target: Path = OTTER_AUTOGRADER_ZIP) -> Path:
    """Only regenerate otter's autograder zip (it holds timestamps, so it is not committed)."""
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(Path(workdir))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out.zip, target)
    return target


def _cells(path: Path) -> list[tuple[str, str]]:
    """What matters in a notebook for staleness: each cell's type and source."""
    notebook = nbformat.read(path, as_version=4)
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def stale_files(
    assignment: Path = ASSIGNMENT, hidden_tests: Path = HIDDEN_TESTS, solution: Path = SOLUTION_NOTEBOOK
) -> list[str]:
    """Generated files that differ from a fresh generation (empty when all are current)."""
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(Path(workdir))
        pairs = [(out.student / DATA_MODULE.name, assignment / DATA_MODULE.name)]
        for fresh_dir, committed_dir in ((out.student / "tests", assignment / "tests"), (out.autograder / "tests", hidden_tests)):
            names = {p.name for p in fresh_dir.glob("q*.py")} | {p.name for p in committed_dir.glob("q*.py")}
            pairs += [(fresh_dir / name, committed_dir / name) for name in sorted(names)]
        stale = [
            str(committed)
            for fresh, committed in pairs
            if not (fresh.exists() and committed.exists() and fresh.read_bytes() == committed.read_bytes())
        ]
        notebooks = [
            (out.student / STUDENT_NOTEBOOK.name, assignment / STUDENT_NOTEBOOK.name),
            (out.autograder / STUDENT_NOTEBOOK.name, solution),
        ]
        stale += [str(c) for fresh, c in notebooks if not c.exists() or _cells(c) != _cells(fresh)]
    return stale

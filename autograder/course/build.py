"""Generate everything that derives from the master notebook, and check it is current.

One command (``python -m autograder build``) runs otter assign on the master notebook with the
grading configuration of ``otter_config.json`` and writes:

* ``assignment/<name>/``: the student notebook, its public tests and the data helper;
* ``autograder/hidden_tests/<name>/``: every test, hidden ones included (never shipped to students);
* ``build/<name>-otter-autograder.zip``: otter's own autograder, for ``otter run``;
* ``solutions/<name>_solution.ipynb``: the reference solution, executed.

for each assignment of ``assignments.ASSIGNMENTS``.
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

from .assignments import Assignment
from .paths import DATA_MODULE


@dataclass
class OtterOutput:
    """Where otter assign put its results."""

    root: Path
    assignment: Assignment

    @property
    def student(self) -> Path:
        return self.root / "student"

    @property
    def autograder(self) -> Path:
        return self.root / "autograder"

    @property
    def zip(self) -> Path:
        return next(self.autograder.glob(f"{self.assignment.name}-autograder_*.zip"))


def run_otter_assign(assignment: Assignment, workdir: Path) -> OtterOutput:
    """Run otter assign on a copy of the master whose `generate` block is otter_config.json."""
    master = nbformat.read(assignment.master, as_version=4)
    first = master.cells[0]
    config_lines = [line for line in first.source.splitlines() if not line.startswith("generate:")]
    generate = json.dumps(assignment.config())  # JSON is valid YAML
    first.source = "\n".join(config_lines + [f"generate: {generate}"])
    source = workdir / "source"
    source.mkdir()
    nbformat.write(master, source / assignment.master.name)
    shutil.copy2(DATA_MODULE, source / DATA_MODULE.name)
    output = workdir / "dist"
    command = [sys.executable, "-m", "otter", "assign", "--no-pdfs", str(source / assignment.master.name), str(output)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"otter assign failed for {assignment.name}:\n{done.stdout}\n{done.stderr}")
    return OtterOutput(output, assignment)


def _replace_tree(source: Path, target: Path, pattern: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob(pattern):
        old.unlink()
    for new in sorted(source.glob(pattern)):
        shutil.copy2(new, target / new.name)


def install_outputs(out: OtterOutput) -> None:
    """Copy otter's results to their places in the repository."""
    a = out.assignment
    a.student_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(out.student / a.notebook_name, a.student_notebook)
    shutil.copy2(out.student / DATA_MODULE.name, a.student_dir / DATA_MODULE.name)
    _replace_tree(out.student / "tests", a.public_tests, "q*.py")
    _replace_tree(out.autograder / "tests", a.hidden_tests, "q*.py")
    a.otter_zip.parent.mkdir(exist_ok=True)
    shutil.copy2(out.zip, a.otter_zip)


def execute_solution(out: OtterOutput, timeout: int = 600) -> None:
    """Execute otter's solution notebook next to the public tests; save it as the reference."""
    from nbclient import NotebookClient

    from .data import kernel_environment

    with tempfile.TemporaryDirectory() as run_dir:
        run_dir = Path(run_dir)
        shutil.copytree(out.student / "tests", run_dir / "tests")
        shutil.copy2(DATA_MODULE, run_dir / DATA_MODULE.name)
        notebook = nbformat.read(out.autograder / out.assignment.notebook_name, as_version=4)
        nbformat.write(notebook, run_dir / out.assignment.notebook_name)  # otter.Notebook reads it from disk
        client = NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(run_dir)}}
        )
        client.execute(env=kernel_environment())
    nbformat.write(notebook, out.assignment.solution)


def build(assignment: Assignment, execute: bool = True) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(assignment, Path(workdir))
        install_outputs(out)
        if execute:
            execute_solution(out)


def build_otter_zip(assignment: Assignment, target: Path | None = None) -> Path:
    """Only regenerate otter's autograder zip (it holds timestamps, so it is not committed)."""
    target = target or assignment.otter_zip
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(assignment, Path(workdir))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out.zip, target)
    return target


def _cells(path: Path) -> list[tuple[str, str]]:
    """What matters in a notebook for staleness: each cell's type and source."""
    notebook = nbformat.read(path, as_version=4)
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def stale_files(
    a: Assignment, student_dir: Path | None = None, hidden_tests: Path | None = None, solution: Path | None = None
) -> list[str]:
    """Generated files that differ from a fresh generation (empty when all are current).

    The folders default to the assignment's own; tests pass copies to check the checker.
    """
    assignment = student_dir or a.student_dir
    hidden_tests = hidden_tests or a.hidden_tests
    solution = solution or a.solution
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(a, Path(workdir))
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
            (out.student / a.notebook_name, assignment / a.notebook_name),
            (out.autograder / a.notebook_name, solution),
        ]
        stale += [str(c) for fresh, c in notebooks if not c.exists() or _cells(c) != _cells(fresh)]
    return stale

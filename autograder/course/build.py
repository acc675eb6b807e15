"""Generate everything that derives from a master notebook, and check it is current.

One command (``python -m autograder build``) runs otter assign on each master notebook of the
course with the grading configuration of ``otter_config.json`` and writes:

* ``assignment/<name>/``: the student notebook, its public tests and the support files (``files:``);
* ``autograder/hidden_tests/<name>/``: every test, hidden ones included (never shipped to students);
* ``build/<name>-otter-autograder.zip``: otter's own autograder, for ``otter run``;
* ``solutions/<name>_solution.ipynb``: the reference solution, executed, and
  ``autograder/hidden_tests/<name>/cell_times.json``: how long each of its cells ran (timing.py).

The generated notebooks carry the assignment's facts in their metadata (see assignments.py).
Otter's and the reference kernel's own output goes to ``build/<name>-build.log``, not the terminal.
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
import yaml

from ..release.setup_cell import grader_versions, install_setup_cell
from . import timing
from .assignments import CONFIG_MARKER, METADATA_KEY, Assignment, Course, CourseError, config_cell
from .paths import LOCK


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


def _check_datasets(assignment: Assignment) -> None:
    if not assignment.datasets:
        return
    from .data import data_module

    helper = assignment.course.data_module
    if not helper.exists():
        raise CourseError(f"{assignment.master} loads datasets ({', '.join(assignment.datasets)}), but {helper} is missing")
    known = data_module(helper).DATASETS
    unknown = [d for d in assignment.datasets if d not in known]
    if unknown:
        raise CourseError(f"{assignment.master}: unknown dataset(s) {', '.join(unknown)}; nn_data knows {', '.join(known)}")


def run_otter_assign(assignment: Assignment, workdir: Path) -> OtterOutput:
    """Run otter assign on a copy of the master whose `generate` block is otter_config.json and whose
    `files:` are every support file; then put the course's setup cell in place of otter's."""
    _check_datasets(assignment)
    master = nbformat.read(assignment.master, as_version=4)
    config = config_cell(master)
    settings = yaml.safe_load(config.source)
    settings["files"] = [path.name for path in assignment.support_files]
    settings["generate"] = assignment.config()
    config.source = f"{CONFIG_MARKER}\n{json.dumps(settings, indent=1)}"  # JSON is valid YAML
    master.metadata[METADATA_KEY] = assignment.facts.as_metadata()  # carried into the generated notebooks
    source = workdir / "source"
    source.mkdir()
    nbformat.write(master, source / assignment.master.name)
    for path in assignment.support_files:
        shutil.copy2(path, source / path.name)
    output = workdir / "dist"
    command = [sys.executable, "-m", "otter", "assign", "--no-pdfs", str(source / assignment.master.name), str(output)]
    done = subprocess.run(command, capture_output=True, text=True, env=_environment(assignment.course))
    if done.returncode != 0:
        log = build_log(assignment)
        with open(log, "a") as kept:
            kept.write(f"otter assign failed for {assignment.name}:\n{done.stdout}\n{done.stderr}\n")
        reason = ([line for line in done.stderr.splitlines() if line.strip()] or ["no message"])[-1]
        raise CourseError(f"otter assign refused {assignment.master}: {reason.strip()} (its whole output is in {log})")
    out = OtterOutput(output, assignment)
    versions = grader_versions(LOCK.read_text(encoding="utf-8"))
    for path in (out.student / assignment.notebook_name, out.autograder / assignment.notebook_name):
        notebook = nbformat.read(path, as_version=4)
        install_setup_cell(notebook, assignment.name, versions)
        nbformat.write(notebook, path)
    return out


def build_log(assignment: Assignment) -> Path:
    """Where otter's and the reference kernel's own output go (not the terminal)."""
    assignment.course.build.mkdir(parents=True, exist_ok=True)
    return assignment.course.build / f"{assignment.name}-build.log"


def _environment(course: Course) -> dict[str, str]:
    from .data import kernel_environment

    return kernel_environment(course.data)


def _replace_tree(source: Path, target: Path, pattern: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob(pattern):
        old.unlink()
    for new in sorted(source.glob(pattern)):
        shutil.copy2(new, target / new.name)


def install_outputs(out: OtterOutput) -> None:
    """Copy otter's results to their places in the course."""
    a = out.assignment
    a.student_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(out.student / a.notebook_name, a.student_notebook)
    for path in a.support_files:
        shutil.copy2(out.student / path.name, a.student_dir / path.name)
    _replace_tree(out.student / "tests", a.public_tests, "q*.py")
    _replace_tree(out.autograder / "tests", a.hidden_tests, "q*.py")
    a.otter_zip.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(out.zip, a.otter_zip)


def execute_as_students_run(a: Assignment, notebook: nbformat.NotebookNode, tests: Path, timeout: int = 600) -> None:
    """Execute `notebook` in place, in a kernel started in a temporary folder that holds it, its public tests
    and its support files, as a student's does; every cell's timing is recorded. Its kernel's own output goes
    to the build log; a cell that raises (or a kernel that dies) is a CourseError that names the log."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    log = build_log(a)
    with tempfile.TemporaryDirectory() as run_dir, open(log, "ab") as kernel_output:
        run_dir = Path(run_dir)
        shutil.copytree(tests, run_dir / "tests")
        for path in a.support_files:
            shutil.copy2(path, run_dir / path.name)
        nbformat.write(notebook, run_dir / a.notebook_name)  # otter.Notebook reads it from disk
        client = NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", record_timing=True,
            resources={"metadata": {"path": str(run_dir)}},
        )
        try:
            client.execute(env=_environment(a.course), stdout=kernel_output, stderr=kernel_output)
        except CellExecutionError as error:  # the reference solution itself raised: the master needs a fix
            kernel_output.write(f"\n{error}\n".encode())
            raise CourseError(f"the reference solution of {a.name} raised {error.ename}: {error.evalue} "
                              f"(fix the master {a.master.name}; the cell and its traceback are in {log})") from None
        except (CellTimeoutError, DeadKernelError) as error:
            raise CourseError(f"the reference solution of {a.name} did not finish ({type(error).__name__}); "
                              f"see {log}") from None


def execute_solution(out: OtterOutput, timeout: int = 600) -> None:
    """Execute otter's solution notebook next to the public tests; save it and its cell times."""
    a = out.assignment
    notebook = nbformat.read(out.autograder / a.notebook_name, as_version=4)
    # The machine's speed is timed in the same kernel, just before the cells (timing.py, engine/speed.py).
    check = timing.speed_check_cells()
    notebook.cells[:0] = check
    execute_as_students_run(a, notebook, out.student / "tests", timeout)
    del notebook.cells[: len(check)]
    for cell in (c for c in notebook.cells if c.cell_type == "code"):  # numbered as if the check had not run
        for item in (cell, *cell.outputs):
            if item.get("execution_count"):
                item["execution_count"] -= len(check)
    nbformat.write(notebook, a.solution)
    a.hidden_tests.mkdir(parents=True, exist_ok=True)
    timing.save(timing.record(notebook), a.cell_times, timing.speed_step_seconds(check))


def build(assignment: Assignment, execute: bool = True) -> None:
    assignment.course.build.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(assignment, Path(workdir))
        if execute:  # first: a reference that fails leaves every generated file as it was
            execute_solution(out)
        install_outputs(out)


def copy_sources(course: Course, target: Path) -> Course:
    """A copy of the course's sources (masters, their files, the config) in target, sharing its data."""
    (target / "solutions").mkdir(parents=True, exist_ok=True)
    helper = [course.data_module] if course.data_module.exists() else []
    for path in {p for a in course.assignments().values() for p in (a.master, *a.listed_files)} | set(helper):
        shutil.copy2(path, target / "solutions" / path.name)
    shutil.copy2(course.otter_config, target / course.otter_config.name)
    return Course(target, data_dir=course.data)


def build_otter_zip(assignment: Assignment, target: Path | None = None) -> Path:
    """Only regenerate otter's autograder zip (it holds timestamps, so it is not committed)."""
    target = target or assignment.otter_zip
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(assignment, Path(workdir))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out.zip, target)
    return target


def _contents(path: Path) -> tuple:
    """What matters in a notebook for staleness: the assignment's facts and each cell's type and source."""
    notebook = nbformat.read(path, as_version=4)
    return notebook.metadata.get(METADATA_KEY), [(cell.cell_type, cell.source) for cell in notebook.cells]


def stale_files(
    a: Assignment, student_dir: Path | None = None, hidden_tests: Path | None = None, solution: Path | None = None
) -> list[str]:
    """Generated files that differ from a fresh generation (empty when all are current).

    The folders default to the assignment's own; tests pass copies to check the checker. Cell
    outputs and times are not compared: they change with every execution.
    """
    assignment = student_dir or a.student_dir
    hidden_tests = hidden_tests or a.hidden_tests
    solution = solution or a.solution
    with tempfile.TemporaryDirectory() as workdir:
        out = run_otter_assign(a, Path(workdir))
        pairs = [(out.student / p.name, assignment / p.name) for p in a.support_files]
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
        stale += [str(c) for fresh, c in notebooks if not c.exists() or _contents(c) != _contents(fresh)]
    return stale

"""The course: assignments found from their master notebooks, time limits from the reference solution.

A new assignment is a master notebook and nothing else: a course written from scratch in a temporary
folder (tests/tiny_course.py, a CNN with layers the lessons do not use) is built with the real
`build` (otter assign, the reference executed) and graded by the real sandboxed engine. Its light
cells also show the per-cell time limit: an endless loop is stopped after about the floor.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import timing
from autograder.course.assignments import Course, CourseError, get_assignment
from autograder.course.build import build, copy_sources
from autograder.course.cells import bound_names
from autograder.course.paths import SETUP_MODULE
from autograder.engine import GradingOptions, Status, grade_submission
from autograder.gradescope.package import build_gradescope_zip
from autograder.limits import LOCAL, TimeLimits

from . import tiny_course
from .gradescope_run import applied_time_limits, graded_tests, gradescope_root, grading_record, run_autograder
from .repo_copy import copy_tracked_tree
from .submissions import with_endless_loop_before_check

# ---------------------------------------------------------------- facts and discovery (no kernels)


def test_the_lessons_are_found_from_their_master_notebooks():
    course = get_assignment("mnist_nn").course
    found = list(course.assignments())
    assert {"fashion_nn", "mnist_nn"} <= set(found) and found == sorted(found)
    assert not [name for name in found if name.endswith("_solution")]  # executed references are not assignments
    mnist = course.get("mnist_nn")
    assert (mnist.title, mnist.datasets, [p.name for p in mnist.support_files]) == (
        "MNIST handwritten digits", ("mnist",), ["nn_data.py", "notebook_setup.py"]
    )
    assert course.get("fashion_nn").datasets == ("fashion_mnist",)


def test_a_course_without_masters_reads_the_student_notebooks(tmp_path):
    """The Gradescope zip ships the student notebook, not the master: build copied the facts there."""
    lesson = get_assignment("mnist_nn")
    (tmp_path / "assignment" / "mnist_nn").mkdir(parents=True)
    (tmp_path / "assignment" / "mnist_nn" / "mnist_nn.ipynb").write_bytes(lesson.student_notebook.read_bytes())
    shipped = Course(tmp_path)
    assert list(shipped.assignments()) == ["mnist_nn"]
    assert shipped.get("mnist_nn").facts == lesson.facts


def _master(tmp_path, edit) -> Course:
    course = tiny_course.write_course(tmp_path / "course")
    path = course / "solutions" / f"{tiny_course.NAME}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    edit(notebook)
    nbformat.write(notebook, path)
    return Course(course)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda nb: nb.metadata.pop("autograder"), r"metadata needs an 'autograder' entry with a title"),
        (lambda nb: nb.metadata["autograder"].update(datasets="mnist"), r"autograder.datasets must be a list"),
        (lambda nb: setattr(nb.cells[0], "source", nb.cells[0].source.replace("name: tiny_cnn", "name: other")),
         r"says name: 'other', not its file name 'tiny_cnn'"),
        (lambda nb: setattr(nb.cells[0], "source", nb.cells[0].source.replace("files: []", "files: [helper.py]")),
         r"lists helper.py, which is not next to the master"),
        (lambda nb: nb.cells.pop(0), r"no ASSIGNMENT CONFIG cell"),
    ],
    ids=["no-metadata", "datasets-not-a-list", "name-mismatch", "missing-file", "no-config"],
)
def test_a_broken_master_is_refused_with_what_to_fix(tmp_path, edit, message):
    with pytest.raises(CourseError, match=message):
        _ = _master(tmp_path, edit).get(tiny_course.NAME).facts


def test_an_unknown_dataset_stops_the_build(tmp_path):
    course = _master(tmp_path, lambda nb: nb.metadata["autograder"].update(datasets=["mnst"]))
    with pytest.raises(CourseError, match=r"loads datasets \(mnst\), but .*nn_data.py is missing"):
        build(course.get(tiny_course.NAME), execute=False)
    shutil.copy2(get_assignment("mnist_nn").course.data_module, course.data_module)
    with pytest.raises(CourseError, match=r"unknown dataset\(s\) mnst; nn_data knows mnist"):
        build(course.get(tiny_course.NAME), execute=False)


def test_the_demo_builds_a_copy_of_the_sources(tmp_path):
    lesson = get_assignment("mnist_nn")
    copy = copy_sources(lesson.course, tmp_path)
    assert list(copy.assignments()) == list(lesson.course.assignments())
    assert copy.data == lesson.course.data and copy.get("mnist_nn").facts == lesson.facts
    sources = {a.master.name for a in lesson.course.assignments().values()} | {lesson.course.data_module.name}
    sources |= {p.name for a in lesson.course.assignments().values() for p in a.listed_files}
    # the setup cell's module is the package's own, not a course source: the copy shares it
    assert all(SETUP_MODULE in a.support_files for a in copy.assignments().values())
    assert sorted(p.name for p in (tmp_path / "solutions").iterdir()) == sorted(sources)


# ---------------------------------------------------------------- matching cells with the reference (no kernels)


def test_bound_names_are_the_cells_globals():
    source = (
        "import numpy as np\nfrom keras import layers as L\n(x, y), z = 1, 2\nfor epoch in range(2):\n    loss = epoch\n"
        "def build_model():\n    hidden = 1\nclass Net: pass\nsquares = [k * k for k in range(3)]\n%matplotlib inline"
    )
    assert bound_names(source) == {"np", "L", "x", "y", "z", "epoch", "loss", "build_model", "Net", "squares"}
    assert bound_names("def broken(:") == set()


REFERENCE = [
    timing.ReferenceCell(2, ("keras", "np"), "q1"),
    timing.ReferenceCell(1, ("reshape_images",), "q1"),
    timing.ReferenceCell(1, (), "q1"),  # grader.check("q1")
    timing.ReferenceCell(40, ("history", "model"), "q2"),  # training
    timing.ReferenceCell(1, ("total_params",), "q2"),
    timing.ReferenceCell(1, (), "q2"),  # grader.check("q2")
    timing.ReferenceCell(3, (), timing.END),  # grader.check_all()
]


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_student_cells_match_by_name_and_by_place():
    notebook = _notebook(
        "import numpy as np\nimport keras",
        "def reshape_images(images):\n    return images.reshape(len(images), -1)",
        "while True:\n    pass",  # a new cell before the q1 check: the place's longest reference time
        'grader.check("q1")',
        "model = build_model()",  # the training cell split in two: both halves match it by name
        "history = model.fit(X, y)",
        "total_params = 717210",  # binds its own name, and sits where training does
        'grader.check("q2")',
        "print('extra work')",  # after the last check: the end's time
        "history = model.fit(X, y, epochs=10)",  # more training at the end: the training cell's time, by name
    )
    got = timing.cell_references(REFERENCE, notebook)
    assert [c.seconds for c in got] == [2, 2, 2, 2, 40, 40, 40, 40, 3, 40]
    assert [c.where for c in got] == [
        "before the q1 check", "before the q1 check", "before the q1 check", "the q1 check", "before the q2 check",
        "before the q2 check", "before the q2 check", "the q2 check", "after the last check", "after the last check",
    ]


def test_cells_of_unknown_places_get_the_longest_reference_time():
    without_checks = timing.cell_references(REFERENCE, _notebook("x = 1", "y = 2"))
    assert [(c.seconds, c.where) for c in without_checks] == [(40, ""), (40, "")]
    unknown_question = timing.cell_references(REFERENCE, _notebook("x = 1", 'grader.check("q9")'))
    assert [c.seconds for c in unknown_question] == [40, 40]


def test_the_budget_is_a_multiple_of_the_reference_plus_a_floor_within_the_cap():
    limits = TimeLimits(cell_floor_seconds=60, cell_multiple=3, cell_seconds=600)
    assert [limits.cell_budget(s) for s in (None, 0, 1, 40, 500)] == [600, 60, 63, 180, 600]


def test_reference_times_are_recorded_from_nbclient_timing_and_rounded_up(tmp_path):
    executed = _notebook("import numpy as np", 'grader.check("q1")', "grader.check_all()")
    spans = [("00.000", "04.200"), ("05.000", "05.010"), ("06.000", "06.000")]
    for cell, (start, end) in zip(executed.cells, spans, strict=True):
        cell.metadata["execution"] = {
            "iopub.execute_input": f"2026-01-01T10:00:{start}Z", "shell.execute_reply": f"2026-01-01T10:00:{end}Z"
        }
    cells = timing.record(executed)
    assert cells == [
        timing.ReferenceCell(5, ("np",), "q1"), timing.ReferenceCell(1, (), "q1"),
        timing.ReferenceCell(0, (), timing.END),
    ]
    timing.save(cells, tmp_path / "cell_times.json")
    assert timing.load(tmp_path / "cell_times.json") == cells
    assert timing.load(tmp_path / "missing.json") is None
    (tmp_path / "cell_times.json").write_text("{")
    with pytest.raises(timing.TimingError, match="run `python -m autograder build` again"):
        timing.load(tmp_path / "cell_times.json")


def test_the_lessons_have_reference_times():
    for assignment in get_assignment("mnist_nn").course.assignments().values():
        reference = timing.load(assignment.cell_times)
        assert reference is not None, f"{assignment.cell_times} is missing: run `python -m autograder build`"
        solution = nbformat.read(assignment.solution, as_version=4)
        assert len(reference) == sum(c.cell_type == "code" for c in solution.cells)


# ---------------------------------------------------------------- a new assignment, built and graded for real


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny course, built with the real build (otter assign, the reference executed)."""
    course = Course(tiny_course.write_course(tmp_path_factory.mktemp("tiny") / "course"))
    assignment = course.get(tiny_course.NAME)
    build(assignment)
    return assignment


def _scores(result) -> dict[str, tuple[float, float]]:
    return {q: tuple(s) for q, s in result.question_scores().items()}


def test_a_new_assignment_builds_from_its_master_alone(tiny):
    student = tiny.student_notebook.read_text()
    assert "keras.layers.Conv2D(4" not in student and "343" not in student and "# SOLUTION" not in student
    assert sorted(p.name for p in tiny.hidden_tests.glob("q*.py")) == ["q1.py", "q2.py", "q3.py"]
    assert "hidden=True" in (tiny.hidden_tests / "q1.py").read_text()
    assert json.loads(tiny.student_notebook.read_text())["metadata"]["autograder"]["title"] == "A tiny convolutional network"
    reference = timing.load(tiny.cell_times)
    assert reference and all(c.seconds < 60 for c in reference)


def test_a_new_assignment_grades_its_reference_full_and_its_blank_zero(tiny, tmp_path):
    options = GradingOptions(tiny.task())
    reference = grade_submission(tiny.solution, tmp_path / "reference", options)
    assert reference.status == Status.GRADED, reference.summary
    assert _scores(reference) == {q: (p, p) for q, p in tiny_course.POINTS.items()}, [c.message for c in reference.cases]
    blank = grade_submission(tiny.student_notebook, tmp_path / "blank", options)
    assert {q: got for q, (got, _) in _scores(blank).items()} == dict.fromkeys(tiny_course.POINTS, 0.0)


def test_an_endless_loop_in_a_light_cell_is_stopped_after_about_the_floor(tiny, tmp_path):
    notebook = with_endless_loop_before_check(tiny.solution, tiny_course.LIGHT_QUESTION)
    path = tmp_path / tiny.notebook_name
    nbformat.write(notebook, path)
    task = tiny.task()
    loop = next(i for i, c in enumerate(c for c in notebook.cells if c.cell_type == "code") if c.source.startswith("while True"))
    reference = task.cell_references(notebook)[loop]
    assert reference.where == f"before the {tiny_course.LIGHT_QUESTION} check"
    result = grade_submission(path, tmp_path / "out", GradingOptions(task))
    assert result.status == Status.TIMEOUT
    scale, limits = applied_time_limits("\n".join(result.instructor_notes))  # scaled to this machine's speed
    budget = limits[loop]
    assert budget == pytest.approx(LOCAL.time.cell_budget(reference.seconds, scale), abs=0.5)
    assert budget < LOCAL.time.cell_seconds / 4  # a light cell: about the floor, not the cap
    where = f"before the {tiny_course.LIGHT_QUESTION} check"
    stopped = f"Code cell {loop + 1} was stopped ({where}): it timed out after {budget:.0f} s"
    assert stopped in "\n".join(result.summary)
    assert result.stages["execution"] < budget + 45, result.stages  # stopped at its budget, not cell_seconds
    assert _scores(result) == {q: (p, p) for q, p in tiny_course.POINTS.items()}  # the rest still ran and was graded


# ---------------------------------------------------------------- the lesson's reference under load


@pytest.mark.slow  # trains the lesson's networks beside a busy core: over two minutes
def test_the_lessons_reference_passes_its_time_limits_with_the_other_core_busy(tmp_path):
    """An honest slow run: the MNIST reference, graded while a process of ours keeps one core busy."""
    lesson = get_assignment("mnist_nn")
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1)
        assert burner.poll() is None
        result = grade_submission(lesson.solution, tmp_path, GradingOptions(lesson.task()))
    finally:
        burner.kill()
        burner.wait()
    assert result.status == Status.GRADED, result.summary  # no cell ran out of time
    assert result.score == result.max_score, [c.message for c in result.cases if c.score < c.max_score]


def test_a_new_assignment_without_data_zips_for_gradescope_and_grades_there(tiny, tmp_path):
    """The Gradescope zip of an assignment that loads no dataset: no data, no data helper; its reference
    gets full marks through the zip's own run_autograder, with limits scaled to this machine in the record."""
    zipped = build_gradescope_zip(tiny, tmp_path / f"{tiny.name}.zip")
    names = set(zipfile.ZipFile(zipped).namelist())
    assert not [n for n in names if n.endswith(".npz") or n.endswith("nn_data.py")], names
    assert f"autograder/hidden_tests/{tiny.name}/cell_times.json" in names and "data/" in names
    setup = zipfile.ZipFile(zipped).read("setup.sh").decode()
    assert "for dataset in ; do" in setup and "@" not in setup  # nothing to verify, nothing left unfilled
    root = gradescope_root(zipped, tmp_path / "autograder")
    assert subprocess.run(["bash", "-n", str(root / "source" / "setup.sh")]).returncode == 0
    shutil.copy2(tiny.solution, root / "submission" / tiny.notebook_name)
    results = run_autograder(root)
    assert results["score"] == sum(tiny_course.POINTS.values()), [t["output"] for t in graded_tests(results)]
    record = grading_record(results)["output"]
    assert "status: graded" in record and "Time limits: each cell 3 x its reference cell's time" in record, record
    assert "Machine speed: a step of the speed check took" in record and "in this grading's kernel" in record, record


# ---------------------------------------------------------------- an instructor's mistakes on the command line

# Runs in a copy of the repository: for each case, writes the tiny master as the case has it, runs the
# command line's main() and keeps its exit status and what it printed (a traceback if it raised).
CLI_CASES = """
import contextlib, io, json, pathlib, sys, time, traceback
import nbformat
from tests import tiny_course

tiny_course.write_master(pathlib.Path("."))  # before the command line finds the course's assignments
from autograder.__main__ import main

results = []
for master, argv in json.loads(sys.argv[1]):
    notebook = tiny_course.master_notebook()
    if master == "wrong-name":
        notebook.cells[0].source = notebook.cells[0].source.replace("name: tiny_cnn", "name: other")
    if master == "raises":
        cell = next(c for c in notebook.cells if c.cell_type == "code" and "cnn_params = " in c.source)
        cell.source = "cnn_params = 1 // 0  # SOLUTION"
    path = tiny_course.write_master(pathlib.Path("."))
    nbformat.write(notebook, path)
    started = time.perf_counter()
    if master == "not-json":
        path.write_text('{"cells": [')
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed), contextlib.redirect_stdout(printed):
        try:
            status = main(argv)
        except SystemExit as exit:
            status = exit.code
        except BaseException:
            status = "raised"
            printed.write(traceback.format_exc())
    results.append([status, printed.getvalue(), round(time.perf_counter() - started, 1)])
print(json.dumps(results))
"""

MISTAKES = {  # (what the master becomes, the command, what the one line must say)
    "unbuilt-build-gradescope": (None, "build-gradescope --assignment tiny_cnn",
                                 "tiny_cnn has not been built yet: run `python -m autograder build --assignment tiny_cnn`"),
    "unbuilt-grade": (None, "grade solutions/tiny_cnn.ipynb --assignment tiny_cnn --out OUT", "tiny_cnn has not been built"),
    "unbuilt-grade-identified": (None, "grade solutions/tiny_cnn.ipynb --out OUT", "tiny_cnn has not been built yet"),
    "unbuilt-mutants": (None, "mutants --assignment tiny_cnn --quiet", "tiny_cnn has not been built yet"),
    "unbuilt-gradescope-run": (None, "gradescope-run --assignment tiny_cnn --root OUT", "tiny_cnn has not been built yet"),
    "not-json-check-generated": ("not-json", "check-generated --assignment tiny_cnn", "is not a readable notebook"),
    "wrong-name-build": ("wrong-name", "build --assignment tiny_cnn --no-execute", "says name: 'other', not its file name"),
    "raises-build": ("raises", "build --assignment tiny_cnn", "the reference solution of tiny_cnn raised ZeroDivisionError"),
}
SLOW_MISTAKES = {"raises-build"}  # executes the reference until it raises: ~50 s


def run_cli_cases(root: Path, cases: list[str], out: Path) -> dict[str, tuple[object, str]]:
    argv = [[MISTAKES[c][0], MISTAKES[c][1].replace("OUT", str(out / c)).split()] for c in cases]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", CLI_CASES, json.dumps(argv)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return {case: tuple(found[:2]) for case, found in zip(cases, json.loads(done.stdout.strip().splitlines()[-1]), strict=True)}


@pytest.fixture(scope="module")
def cli_outcomes(tmp_path_factory) -> tuple[Path, dict]:
    """Every fast case through one interpreter, in a copy of this repository with the tiny master added (unbuilt)."""
    root = copy_tracked_tree(tmp_path_factory.mktemp("copy") / "repo")
    out = tmp_path_factory.mktemp("outs")
    return out, run_cli_cases(root, [c for c in MISTAKES if c not in SLOW_MISTAKES], out)


def _one_line_with_the_fix(case: str, status: object, printed: str, out: Path) -> None:
    errors = [line for line in printed.splitlines() if line.startswith("error: ")]
    assert status == 2 and len(errors) == 1 and MISTAKES[case][2] in errors[0], printed[-2000:]
    assert "Traceback" not in printed
    assert not (out / case).exists() or not any((out / case).iterdir())  # nothing half-done


@pytest.mark.parametrize("case", [c for c in MISTAKES if c not in SLOW_MISTAKES])
def test_an_instructors_mistake_is_one_line_with_the_fix(cli_outcomes, case):
    out, outcomes = cli_outcomes
    _one_line_with_the_fix(case, *outcomes[case], out)


@pytest.mark.slow
def test_a_reference_that_raises_is_one_line_and_leaves_the_course_as_it_was(tmp_path):
    root = copy_tracked_tree(tmp_path / "repo")
    outcome = run_cli_cases(root, ["raises-build"], tmp_path / "out")["raises-build"]
    _one_line_with_the_fix("raises-build", *outcome, tmp_path / "out")
    assert not (root / "assignment" / tiny_course.NAME).exists() and not (root / "solutions" / "tiny_cnn_solution.ipynb").exists()

"""The student tree holds no solution, no hidden test and no reference output (autograder/release/leaks.py).

Scanned: ``assignment/`` as a whole (what build generates), and, where this version has the
``release`` command, a release made from it with ``--url`` and ``--with-data`` (what an instructor
publishes). The scanner itself is tested with planted leaks of every kind, so a clean result means
something.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import zipfile
from collections import Counter

import nbformat
import pytest

from autograder.__main__ import main
from autograder.course.assignments import COURSE
from autograder.course.master import hidden_tests
from autograder.course.paths import REPO
from autograder.release.leaks import course_secrets, scan

from .submissions import MNIST

DATASETS = ("mnist", "fashion_mnist")


@pytest.fixture(scope="module")
def secrets():
    return course_secrets(COURSE)


def release_command_exists() -> bool:
    """Whether this version's command line has `release` (argparse exits 0 for its --help, 2 if unknown)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(["release", "--help"])
        except SystemExit as done:
            return done.code == 0
    return False


@pytest.fixture(scope="module")
def student_trees(tmp_path_factory):
    """assignment/ itself, and a release with --url and --with-data when the command exists."""
    trees = {"assignment/": COURSE.students}
    if release_command_exists():
        out = tmp_path_factory.mktemp("release") / "course"
        command = [sys.executable, "-m", "autograder", "release", "--out", str(out), "--url", "http://127.0.0.1:8765/",
                   "--with-data"]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        trees["release --url --with-data"] = out
    return trees


def test_the_secrets_cover_every_kind_and_every_assignment(secrets):
    """A scanner with nothing to look for would pass any tree: each assignment has secrets of each kind."""
    for assignment in COURSE.assignments().values():
        mine = [s for s in secrets if s.source.startswith(assignment.name)]
        kinds = Counter(s.kind for s in mine)
        assert {"solution line", "hidden test name", "hidden test line"} <= set(kinds), kinds
        names = {s.text for s in mine if s.kind == "hidden test name"}
        assert names == {t.name for t in hidden_tests(assignment.master)}
    # a reference that prints no long number has no such secret; the lesson's does
    numbers = {s.text for s in secrets if s.kind == "reference output" and s.source.startswith("mnist_nn")}
    assert {"717210", "223978"} <= numbers  # the lesson's parameter counts, as the reference printed them
    lines = {s.text for s in secrets if s.kind == "solution line"}
    assert "return images.reshape(len(images), -1)" in lines
    assert "])" not in lines  # too short to tell anything
    test_lines = {s.text for s in secrets if s.kind == "hidden test line"}
    assert not {"continue", "except Exception:"} & test_lines  # Python's own words: in any support file
    assert any("arguments_after_call" in line for line in test_lines)  # but a hidden check's own lines are kept


def test_the_student_trees_hold_no_solution_hidden_test_or_reference_output(secrets, student_trees):
    for label, tree in student_trees.items():
        leaks, unscannable = scan(tree, secrets, DATASETS)
        assert leaks == [], f"{label}:\n" + "\n".join(map(str, leaks))
        assert unscannable == [], f"{label}: files that cannot be scanned: {unscannable}"


@pytest.fixture
def planted(tmp_path):
    tree = tmp_path / "course"
    shutil.copytree(COURSE.students, tree)
    return tree


def kinds_found(tree, secrets) -> set[str]:
    leaks, _ = scan(tree, secrets, DATASETS)
    return {leak.secret.kind for leak in leaks}


def test_a_solution_line_in_a_notebook_is_found_even_reindented(planted, secrets):
    path = planted / MNIST.name / MNIST.notebook_name
    notebook = nbformat.read(path, as_version=4)
    stub = next(c for c in notebook.cells if "def reshape_images" in c.source)
    stub.source = stub.source.replace("...", "return   images.reshape(len(images),\n        -1)")
    nbformat.write(notebook, path)
    leaks, _ = scan(planted, secrets, DATASETS)
    assert [(leak.path, leak.secret.text) for leak in leaks] == [(path, "return images.reshape(len(images), -1)")]


def test_a_worked_answer_or_a_solution_value_is_found(planted, secrets):
    (planted / "notes.md").write_text("| **total** | | **717,210** |\n")
    (planted / MNIST.name / "helper.py").write_text("model2_improved = bool(test_acc2 > test_acc)\n")
    assert kinds_found(planted, secrets) == {"solution line", "reference output"}


def test_a_hidden_test_in_a_public_test_file_is_found(planted, secrets):
    hidden = (MNIST.hidden_tests / "q3.py").read_text()
    (planted / MNIST.name / "tests" / "q3.py").write_text(hidden)
    leaks, _ = scan(planted, secrets, DATASETS)
    assert {leak.secret.kind for leak in leaks} == {"hidden test name", "hidden test line"}
    assert {leak.secret.text for leak in leaks if leak.secret.kind == "hidden test name"} == {
        t.name for t in hidden_tests(MNIST.master) if t.question == "q3"
    }


def test_the_executed_reference_in_the_tree_leaks_everything(planted, secrets):
    shutil.copy2(MNIST.solution, planted / MNIST.name / "answers.ipynb")
    assert kinds_found(planted, secrets) == {"solution line", "reference output"}


def test_a_file_that_cannot_be_read_as_text_is_reported_but_the_data_is_not(planted, secrets):
    with zipfile.ZipFile(planted / "extra.zip", "w") as archive:
        archive.write(MNIST.solution, "solution.ipynb")
    (planted / "data").mkdir()
    (planted / "data" / "mnist.npz").write_bytes(b"PK\x03\x04\xff\xfe binary")
    (planted / MNIST.name / "data").mkdir()
    (planted / MNIST.name / "data" / "mnist.npz").write_bytes(b"\xff\xfe")  # a student's download
    (planted / MNIST.name / "data" / "model.npz").write_bytes(b"\xff\xfe")  # not a dataset of the course
    leaks, unscannable = scan(planted, secrets, DATASETS)
    assert leaks == []
    assert unscannable == [planted / "extra.zip", planted / MNIST.name / "data" / "model.npz"]

"""Everything generated from the master notebook is current, and students get no answers."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from autograder.course.assignments import ASSIGNMENTS
from autograder.course.build import stale_files
from autograder.course.master import question_names, solution_code

from .submissions import MNIST, QUESTIONS


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_generated_files_are_current(name):
    assert stale_files(ASSIGNMENTS[name]) == [], "run `python -m autograder build` and commit the result"


def test_staleness_check_notices_an_edited_test(tmp_path):
    assignment, hidden = tmp_path / "assignment", tmp_path / "hidden"
    shutil.copytree(MNIST.student_dir, assignment)
    shutil.copytree(MNIST.hidden_tests, hidden)
    (hidden / "q3.py").write_text((hidden / "q3.py").read_text().replace("num_classes=12", "num_classes=13"))
    (assignment / "tests" / "q9.py").write_text("name = 'q9'\n")
    assert stale_files(MNIST, assignment, hidden, MNIST.solution) == [str(assignment / "tests" / "q9.py"), str(hidden / "q3.py")]


def test_staleness_check_notices_changed_facts(tmp_path):
    """The facts (title, datasets, files) are copied into the student notebook: a changed master makes it stale."""
    assignment = tmp_path / "assignment"
    shutil.copytree(MNIST.student_dir, assignment)
    notebook = nbformat.read(assignment / MNIST.notebook_name, as_version=4)
    notebook.metadata["autograder"]["title"] = "An old title"
    nbformat.write(notebook, assignment / MNIST.notebook_name)
    assert stale_files(MNIST, assignment, MNIST.hidden_tests, MNIST.solution) == [str(assignment / MNIST.notebook_name)]


# Solution fragments that must never reach students, per assignment (answers and idioms).
SOLUTION_MARKERS = {
    "mnist_nn": ("np.eye(num_classes", "717210", "717,210", "223978"),
    "fashion_nn": ("np.eye(num_classes", "101770", "101,770", "109386", "109,386"),
}


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_questions_are_q1_to_q8_in_order(assignment):
    assert question_names(assignment.master) == QUESTIONS
    assert sorted(p.stem for p in assignment.public_tests.glob("q*.py")) == QUESTIONS


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_student_files_hold_no_solution_and_no_hidden_test(assignment):
    student = assignment.student_notebook.read_text()
    for marker in ("# SOLUTION", "BEGIN SOLUTION", *SOLUTION_MARKERS[assignment.name]):
        assert marker not in student
    for test_file in assignment.public_tests.glob("q*.py"):
        source = test_file.read_text()
        assert "hidden=True" not in source and "hidden=False" in source, test_file


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_hidden_tests_cover_every_question(assignment):
    for question in QUESTIONS:
        source = (assignment.hidden_tests / f"{question}.py").read_text()
        assert "hidden=True" in source and "hidden=False" in source, question


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_reference_solution_is_executed_without_errors(assignment):
    notebook = json.loads(assignment.solution.read_text())
    outputs = [o for c in notebook["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs, "the reference solution has not been executed"
    assert not [o for o in outputs if o["output_type"] == "error"]


def test_solution_code_defines_every_student_function():
    namespace: dict = {}
    exec(compile("import numpy as np\nimport keras\n" + solution_code(MNIST.master), "master", "exec"), namespace)
    for name in ("reshape_images", "normalize_images", "one_hot_labels", "build_model", "predict_labels",
                 "build_deeper_model"):
        assert callable(namespace[name]), name

"""Everything generated from the master notebook is current, and students get no answers."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from autograder.course.assignments import ASSIGNMENTS, COURSE
from autograder.course.build import stale_files
from autograder.course.cells import checked_questions
from autograder.course.master import question_names, solution_code, solution_lines
from autograder.course.paths import LOCK
from autograder.release.student_files import stale_student_files, student_files

from .submissions import MNIST


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_generated_files_are_current(name):
    assert stale_files(ASSIGNMENTS[name]) == [], "run `python -m autograder build` and commit the result"


def test_student_tree_files_are_current():
    """assignment/'s own files (requirements, Binder, README, .gitignore) are what build generates."""
    assert stale_student_files(COURSE, LOCK) == [], "run `python -m autograder build` and commit the result"


def test_staleness_check_notices_an_edited_student_file(tmp_path):
    tree = tmp_path / "assignment"
    for relative, text in student_files(COURSE, LOCK).items():
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_text(text)
    (tree / "binder" / "postBuild").chmod(0o755)
    assert stale_student_files(COURSE, LOCK, tree) == []
    (tree / "requirements.txt").write_text((tree / "requirements.txt").read_text().replace("seaborn==", "seaborn>="))
    (tree / ".gitignore").unlink()
    assert stale_student_files(COURSE, LOCK, tree) == [str(tree / "requirements.txt"), str(tree / ".gitignore")]


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


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_public_tests_are_the_masters_questions_in_order(assignment):
    questions = question_names(assignment.master)
    assert questions and len(set(questions)) == len(questions), "each question of the master once"
    assert sorted(p.stem for p in assignment.public_tests.glob("q*.py")) == sorted(questions)
    student = nbformat.read(assignment.student_notebook, as_version=4)
    checked = [q for c in student.cells if c.cell_type == "code" for q in checked_questions(c.source)]
    assert [q for q in checked if q in questions] == questions, "the student notebook checks each question in order"


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_student_files_hold_no_solution_and_no_hidden_test(assignment):
    """Nothing only the master's solution holds (its lines, worked answers) nor any output of the reference."""
    student = nbformat.read(assignment.student_notebook, as_version=4)
    lines = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
    text = assignment.student_notebook.read_text()
    solution = [line.strip() for line in solution_lines(assignment.master)]
    solution = [line for line in solution if any(c.isalnum() for c in line) and not line.startswith("#")]
    assert solution, "the master has solution code"
    assert [line for line in solution if line in lines or ("\n" in line and line in text)] == []
    assert "# SOLUTION" not in text and "BEGIN SOLUTION" not in text
    assert not [c for c in student.cells if c.cell_type == "code" and (c.outputs or c.execution_count)], "no outputs"
    for test_file in assignment.public_tests.glob("q*.py"):
        source = test_file.read_text()
        assert "hidden=True" not in source and "hidden=False" in source, test_file


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_hidden_tests_cover_every_question(assignment):
    for question in question_names(assignment.master):
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

"""Stock `otter run` on the generated autograder: the baseline grading path, real notebooks.

Each notebook trains the lesson's two networks (about 40 s each on 2 cores). The reference and
the blank notebook run by default; the corpus through otter is marked slow (`pytest -m slow`):
the sandboxed engine's tests run the same corpus by default.
"""

from __future__ import annotations

import pytest

from autograder.classroom.otter_baseline import otter_run, scores_from_results
from autograder.course.assignments import get_assignment

from .submissions import QUESTIONS, build_submission, every_entry

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for


def grade(notebook, autograder_zip):
    scores = scores_from_results(otter_run(notebook, autograder_zip))
    assert sorted(scores) == QUESTIONS, f"results.json should grade q1..q8, it graded {sorted(scores)}"
    return scores


def lost(scores) -> dict[str, str]:
    return {q: f"{s.score}/{s.max_score}" for q, s in scores.items() if s.score < s.max_score}


@pytest.mark.slow  # stock otter is only the baseline; the reference trains both networks (~2 minutes)
def test_reference_solution_gets_full_marks(otter_autograder):
    assert lost(grade(MNIST.solution, otter_autograder)) == {}


def test_blank_student_notebook_gets_zero(otter_autograder):
    scores = grade(MNIST.student_notebook, otter_autograder)
    assert {q: s.score for q, s in scores.items()} == dict.fromkeys(QUESTIONS, 0.0)
    assert all(s.max_score > 0 for s in scores.values())


@pytest.mark.slow
@pytest.mark.parametrize("entry", [e for e in every_entry() if e.kind == "correct"], ids=str)
def test_correct_style_gets_full_marks(entry, otter_autograders, tmp_path):
    notebook = build_submission(entry, tmp_path / f"{entry.assignment}.ipynb")
    assert lost(grade(notebook, otter_autograders(entry.assignment))) == {}


@pytest.mark.slow
@pytest.mark.parametrize("entry", [e for e in every_entry() if e.kind == "buggy"], ids=str)
def test_bug_loses_points_only_where_it_is(entry, otter_autograders, tmp_path):
    notebook = build_submission(entry, tmp_path / f"{entry.assignment}.ipynb")
    assert set(lost(grade(notebook, otter_autograders(entry.assignment)))) == {entry.breaks}

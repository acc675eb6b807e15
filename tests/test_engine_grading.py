"""The sandboxed engine on real lesson notebooks: real kernel, real sandbox, real training.

The reference solution gets full marks (and the same marks twice), the blank notebook zero,
every correct style full marks, and each bug loses points on exactly its question. Each
notebook trains the lesson's two networks (about 50 s), so the default run keeps two correct
styles and the first bug of each training question; the rest are marked slow (`pytest -m slow`).
"""

from __future__ import annotations

import json

import pytest

from autograder.course.assignments import get_assignment
from autograder.engine import GradingOptions, grade_submission

from .submissions import QUESTIONS, build_submission, corpus

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

# Each full-notebook case trains both networks (~50 s), so the default suite grades the first bug
# of two training questions (the model's structure, and the deeper model with its comparison)
# and one correct style; every other corpus entry runs with `-m slow`. Questions that need no
# training are covered by the light notebooks of the batch and attack tests.
DEFAULT_BUG_QUESTIONS = {"q4", "q8"}
DEFAULT_STYLES = {"numpy_scalars", "functional_api"}

OPTIONS = GradingOptions(MNIST.task())


def first_bug_per_question() -> list:
    seen, params = set(), []
    for entry in corpus("buggy"):
        slow = entry.breaks in seen or entry.breaks not in DEFAULT_BUG_QUESTIONS
        seen.add(entry.breaks)
        params.append(pytest.param(entry, id=str(entry), marks=[pytest.mark.slow] if slow else []))
    return params


def correct_styles() -> list:
    return [
        pytest.param(e, id=str(e), marks=[] if e.path.stem in DEFAULT_STYLES else [pytest.mark.slow]) for e in corpus("correct")
    ]


def lost(result) -> dict[str, str]:
    return {q: f"{got:g}/{possible:g}" for q, (got, possible) in result.question_scores().items() if got < possible}


@pytest.fixture(scope="module")
def reference_result(tmp_path_factory):
    return grade_submission(MNIST.solution, tmp_path_factory.mktemp("reference"), OPTIONS)


def test_reference_solution_gets_full_marks(reference_result):
    assert reference_result.status == "graded"
    assert sorted(reference_result.question_scores()) == QUESTIONS
    assert lost(reference_result) == {}, [c.message for c in reference_result.cases if not c.passed]


@pytest.mark.slow  # a second full grading of the reference
def test_grading_is_deterministic(reference_result, tmp_path):
    again = grade_submission(MNIST.solution, tmp_path, OPTIONS)
    assert again.question_scores() == reference_result.question_scores()
    assert [c.message for c in again.cases] == [c.message for c in reference_result.cases]


def test_blank_notebook_gets_zero_with_explanations(tmp_path):
    result = grade_submission(MNIST.student_notebook, tmp_path, OPTIONS)
    assert {q: got for q, (got, _) in result.question_scores().items()} == dict.fromkeys(QUESTIONS, 0.0)
    document = json.loads((tmp_path / "mnist_nn" / "results.json").read_text())
    assert document["score"] == 0 and all(t["output"] for t in document["tests"])
    assert any("returned NoneType" in t["output"] for t in document["tests"])


@pytest.mark.parametrize("entry", correct_styles())
def test_correct_style_gets_full_marks(entry, tmp_path):
    result = grade_submission(build_submission(entry, tmp_path / "mnist_nn.ipynb"), tmp_path / "out", OPTIONS)
    assert lost(result) == {}, [c.message for c in result.cases if not c.passed]


@pytest.mark.parametrize("entry", first_bug_per_question())
def test_bug_loses_points_only_where_it_is(entry, tmp_path):
    result = grade_submission(build_submission(entry, tmp_path / "mnist_nn.ipynb"), tmp_path / "out", OPTIONS)
    assert set(lost(result)) == {entry.breaks}, [(c.question, c.message) for c in result.cases if not c.passed]

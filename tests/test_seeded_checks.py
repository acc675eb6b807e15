"""Hidden checks that draw their inputs from GRADING_SEED pass the reference whatever the seed.

Their inputs differ between submissions (so that inputs learned from one grading's feedback are
worthless in the next), so a check that fails the reference for some seeds would fail an honest
student at random. Each such check of every assignment that reads only functions, plain values and
NumPy is run here, without a kernel, against the reference solution for many seeds.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest
from otter.test_files.exception_test import ExceptionTestFile

from autograder.course.assignments import ASSIGNMENTS
from autograder.course.master import reference_namespace
from autograder.engine.judge import GRADING_SEED, submission_seed

SEEDS = range(200)


def seeded_checks() -> list:
    params = []
    for name, assignment in sorted(ASSIGNMENTS.items()):
        for path in sorted(assignment.hidden_tests.glob("q*.py")):
            for case in ExceptionTestFile.from_file(str(path)).test_cases:
                names = list(inspect.signature(case.body.test_func).parameters)
                if GRADING_SEED in names:
                    params.append(pytest.param(name, case.body.test_func, names, id=f"{name}-{path.stem}-{case.name}"))
    return params


@functools.cache
def reference(assignment: str) -> dict:
    return reference_namespace(ASSIGNMENTS[assignment].master)


@pytest.mark.parametrize(("assignment", "check", "names"), seeded_checks())
def test_a_seeded_check_passes_the_reference_for_every_seed(assignment, check, names):
    solution = reference(assignment)
    if any(n not in solution and n not in ("np", GRADING_SEED) for n in names):
        pytest.skip("reads trained models or notebook values: checked by the reference's grading")
    for seed in SEEDS:
        check(**{n: seed if n == GRADING_SEED else np if n == "np" else solution[n] for n in names})


def test_the_seed_differs_between_submissions_and_not_between_gradings(tmp_path):
    (tmp_path / "q1.py").write_text("hidden test")
    first = submission_seed("def f():\n    return 1\n", tmp_path)
    assert first == submission_seed("def f():\n    return 1\n", tmp_path)
    assert first != submission_seed("def f():\n    return 2\n", tmp_path)
    (tmp_path / "q1.py").write_text("another hidden test")  # the hidden tests are part of it: the kernel cannot compute it
    assert first != submission_seed("def f():\n    return 1\n", tmp_path)

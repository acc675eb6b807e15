"""Shared fixtures: the generated otter autograder and a scratch folder for submissions."""

from __future__ import annotations

import pytest

from autograder.course.assignments import get_assignment
from autograder.course.build import build_otter_zip
from autograder.course.paths import BUILD

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for


@pytest.fixture(scope="session")
def otter_autograders():
    """otter's autograder zip of an assignment (by name), freshly generated from its master notebook once per session."""
    made = {}

    def zip_of(name: str):
        if name not in made:
            made[name] = build_otter_zip(get_assignment(name), BUILD / "test-session" / f"{name}-otter-autograder.zip")
        return made[name]

    return zip_of


@pytest.fixture(scope="session")
def otter_autograder(otter_autograders):
    """otter's autograder zip of the MNIST lesson."""
    return otter_autograders(MNIST.name)

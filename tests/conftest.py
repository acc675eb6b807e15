"""Shared fixtures: the generated otter autograder and a scratch folder for submissions."""

from __future__ import annotations

import pytest

from autograder.course.assignments import get_assignment
from autograder.course.build import build_otter_zip
from autograder.course.paths import BUILD

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for


@pytest.fixture(scope="session")
def otter_autograder():
    """otter's autograder zip, freshly generated from the master notebook."""
    return build_otter_zip(MNIST, BUILD / "test-session" / "mnist_nn-otter-autograder.zip")

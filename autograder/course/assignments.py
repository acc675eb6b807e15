"""The assignments this project builds and grades, and where each one's files live.

An assignment is one master notebook (``solutions/<name>.ipynb``) plus the dataset its
notebook loads through ``nn_data``. Everything else derives from the name:

* ``assignment/<name>/``: what students receive (notebook, ``nn_data.py``, public tests);
* ``autograder/hidden_tests/<name>/``: every test, hidden ones included;
* ``solutions/<name>_solution.ipynb``: the executed reference solution.

Adding an assignment: write its master notebook, add its dataset to ``nn_data.DATASETS``
if it is new, and add one line to ``ASSIGNMENTS`` below.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from ..engine import GradingTask
from .paths import ASSIGNMENT, BUILD, DATA, DATA_MODULE, HIDDEN_TESTS, OTTER_CONFIG, SOLUTIONS


@dataclass(frozen=True)
class Assignment:
    name: str
    dataset: str  # a key of nn_data.DATASETS
    title: str

    @property
    def master(self) -> Path:
        return SOLUTIONS / f"{self.name}.ipynb"

    @property
    def solution(self) -> Path:
        return SOLUTIONS / f"{self.name}_solution.ipynb"

    @property
    def student_dir(self) -> Path:
        return ASSIGNMENT / self.name

    @property
    def notebook_name(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def student_notebook(self) -> Path:
        return self.student_dir / self.notebook_name

    @property
    def public_tests(self) -> Path:
        return self.student_dir / "tests"

    @property
    def hidden_tests(self) -> Path:
        return HIDDEN_TESTS / self.name

    @property
    def otter_zip(self) -> Path:
        return BUILD / f"{self.name}-otter-autograder.zip"

    def config(self) -> dict:
        """The grading configuration (otter's keys): shared settings plus this assignment's name."""
        return {**json.loads(OTTER_CONFIG.read_text()), "assignment_name": self.name}

    def task(self) -> GradingTask:
        """What the engine needs to grade a submission of this assignment."""
        from .data import prepare_judge_data

        return GradingTask(
            name=self.name,
            notebook_name=self.notebook_name,
            tests_dir=self.hidden_tests,
            public_tests_dir=self.public_tests,
            support_files=(DATA_MODULE,),
            data_dir=DATA,
            config=self.config(),
            prepare_judge=functools.partial(prepare_judge_data, self.dataset),
            identify=_identified_name,
        )


def _identified_name(notebook, file_name: str) -> str | None:
    from .identify import identify

    found = identify(notebook, file_name, ASSIGNMENTS.values())
    return found.name if found else None


ASSIGNMENTS = {
    a.name: a
    for a in (
        Assignment("mnist_nn", "mnist", "MNIST handwritten digits"),
        Assignment("fashion_nn", "fashion_mnist", "Fashion-MNIST take-home"),
    )
}
MNIST = ASSIGNMENTS["mnist_nn"]


def get_assignment(name: str) -> Assignment:
    try:
        return ASSIGNMENTS[name]
    except KeyError:
        raise ValueError(f"unknown assignment {name!r}; known: {', '.join(ASSIGNMENTS)}") from None

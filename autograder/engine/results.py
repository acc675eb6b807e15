"""The results vocabulary: statuses, check names, question order, and the result of one grading.

Everything that writes or reads a grading's outcome (the report stage, the class gradebook,
the class report, Gradescope) uses these names, so a status or a name format exists once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

try:
    from enum import StrEnum
except ImportError:  # Python 3.10 (Ubuntu 22.04, Gradescope's default image): the same behaviour
    from enum import Enum

    class StrEnum(str, Enum):
        def __str__(self) -> str:
            return str(self.value)

if TYPE_CHECKING:
    from .containment import ContainmentRecord


class Status(StrEnum):
    """How a grading ended, as grades.csv and the class report show it."""

    GRADED = "graded"  # the notebook ran and every check was judged
    TIMEOUT = "timeout"  # a cell or the notebook ran out of time; answers before it were judged
    KERNEL_DIED = "kernel-died"  # the kernel stopped (a crash, os._exit, memory); later answers are missing
    UNREADABLE = "unreadable"  # the file is not a notebook we can read
    WRONG_ASSIGNMENT = "wrong-assignment"  # the notebook is another assignment's
    NO_SANDBOX = "no-sandbox"  # this machine could not isolate the submission: not graded
    GRADER_ERROR = "grader-error"  # the grader failed: not the student's fault

    @property
    def final(self) -> bool:
        """A verdict about the submission itself; the others are about the grader, and a rerun retries them."""
        return self not in (Status.NO_SANDBOX, Status.GRADER_ERROR)


FINAL_STATUSES = frozenset(s.value for s in Status if s.final)

_TEST_NAME = re.compile(r"^(?P<question>\S+) - (?P<check>.*)$", re.DOTALL)


def test_name(question: str, check: str) -> str:
    """The name of one check in results.json: 'q3 - one hot rows match labels'."""
    return f"{question} - {check}"


def question_of(name: str) -> str:
    """The question a results.json test name belongs to ('q3 - ...' -> 'q3')."""
    match = _TEST_NAME.match(str(name))
    return match.group("question") if match else str(name)


def question_key(name: str) -> list:
    """Sort key putting q2 before q10 (digit runs compare as numbers)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", str(name)) if part]


def ordered_questions(names) -> list[str]:
    """Question names, each once, in natural order."""
    return sorted(set(names), key=question_key)


@dataclass
class CaseResult:
    """One check of one question."""

    question: str
    name: str
    score: float
    max_score: float
    hidden: bool
    message: str
    note: str = ""  # for the instructor only (e.g. the student's exception text in a hidden check)

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass
class GradeResult:
    submission: str
    cases: list[CaseResult]
    status: Status = Status.GRADED
    summary: list[str] = field(default_factory=list)  # shown to the student
    instructor_notes: list[str] = field(default_factory=list)  # never shown to the student
    kernel_log: str = ""  # the kernel process's own stderr, capped; for the instructor
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    containment: ContainmentRecord | None = None  # how the kernel's process tree was bounded (None: no kernel ran)

    def question_scores(self) -> dict[str, tuple[float, float]]:
        scores: dict[str, tuple[float, float]] = {}
        for case in self.cases:
            got, possible = scores.get(case.question, (0.0, 0.0))
            scores[case.question] = (got + case.score, possible + case.max_score)
        ordered = {q: scores[q] for q in ordered_questions(scores)}
        return {q: (round(got, 5), round(possible, 5)) for q, (got, possible) in ordered.items()}  # thirds add up

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.cases), 5)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.cases), 5)

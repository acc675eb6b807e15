"""The grading engine: one submission through load -> execute (sandboxed) -> probe -> judge -> report.

It knows nothing of a particular course, of classes of students or of Gradescope: the course
describes an assignment as a :class:`GradingTask`, and the other parts call
:func:`grade_submission`.
"""

from .pipeline import CellReference, GradingOptions, GradingTask, grade_submission
from .results import CaseResult, GradeResult, Status
from .speed import SpeedCheck

__all__ = [
    "CaseResult", "CellReference", "GradeResult", "GradingOptions", "GradingTask", "SpeedCheck", "Status", "grade_submission"
]

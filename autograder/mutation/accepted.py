"""Survivors an instructor judged acceptable: correct answers that the question's text allows.

A survivor is not always a gap in the tests: ``astype(np.float64)`` instead of ``float32`` is a
wrong *mutant* of the reference but a right answer when the question asks for "floats". Such
survivors are listed, each with its reason, in one JSON file::

    {"mnist_nn": [{"target": "normalize_images",
                   "change": ["-    return images.astype(np.float32) / 255.0",
                              "+    return images.astype(np.float64) / 255.0"],
                   "reason": "the question asks for floats; float64 is a float"}]}

A listed survivor is classified *accepted* and shown with its reason; it leaves the score's
denominator like an equivalent mutant. An entry matches by the target and the changed lines, so
it stops matching as soon as the solution line changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class AcceptedListError(ValueError):
    """The accepted-survivors file is not of the documented form."""


@dataclass(frozen=True)
class Accepted:
    target: str
    change: tuple[str, ...]
    reason: str


def load_accepted(path: Path | None, assignment: str) -> dict[tuple[str, tuple[str, ...]], Accepted]:
    """The entries of `assignment`, keyed by (target, changed lines); {} if there is no file."""
    if path is None or not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = [Accepted(e["target"], tuple(e["change"]), e["reason"]) for e in document.get(assignment, [])]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise AcceptedListError(f"{path}: not a list of accepted survivors ({type(error).__name__}: {error})") from None
    return {(e.target, e.change): e for e in entries}

"""What a question's mutation results depend on, as one digest per question.

A run's results stay true only while what produced them stays the same. For each question the
digest covers the solution lines of its targets and what makes their mutants (the operators'
and the mutant maker's source, the notebook's variable names), the source of every check that
judges one of those targets (its own question's and any other's), the accepted survivors listed
for them (accepted.py) and the honest corpus styles that define them (corpus.py). ``mutants
--save`` records the digests with the results; a fast test recomputes them and asks for a new run
when one differs (the README's figures come from the saved results).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..course.assignments import Assignment
from .accepted import Accepted
from .checks import check_sources, relevant
from .corpus import Entry
from .targets import affected_names, read_solution

# The code that makes the mutants: a change to an operator changes every question's mutants.
MUTANT_MAKERS = ("operators.py", "mutants.py")


def question_digests(assignment: Assignment, accepted: dict[tuple[str, tuple[str, ...]], Accepted],
                     honest: list[Entry]) -> dict[str, str]:
    """question -> a short SHA-256 of everything its mutation results depend on."""
    solution = read_solution(assignment.master)
    sources = check_sources(assignment.hidden_tests)
    checks = [check for check, _ in sources]
    source_of = {check.label: source for check, source in sources}
    makers = [(Path(__file__).parent / name).read_text(encoding="utf-8") for name in MUTANT_MAKERS]
    parts: dict[str, dict] = {}
    for target in solution.targets:
        part = parts.setdefault(target.question, {"targets": [], "checks": set(), "accepted": [], "honest": [],
                                                  "makers": makers, "names": sorted(solution.notebook_names)})
        part["targets"].append(target.source)
        part["checks"] |= {c.label for c in relevant(checks, affected_names(target, solution.targets), target.question)}
        part["accepted"] += sorted([a.target, *a.change, a.reason] for a in accepted.values() if a.target == target.label)
        part["honest"] += [[entry.name, chunk] for entry in honest for name in target.names if (chunk := entry.defining(name))]
    digests = {}
    for question, part in parts.items():
        part["checks"] = [[label, source_of[label]] for label in sorted(part["checks"])]
        text = json.dumps(part, sort_keys=True)
        digests[question] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return digests

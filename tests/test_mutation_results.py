"""The committed mutation results (benchmarks/results/mutation_<name>.json) are today's, without a run.

A full ``mutants`` run takes minutes and CI runs only the default suite, so this file checks what
the results depend on instead: each question's digest (autograder/mutation/digest.py: its checks,
its solution lines and their mutants, its accepted survivors and honest corpus styles), recorded
by ``mutants --save``, must equal the digest of the repository as it is. The saved run must be a
whole run with no survivor, no stale accepted entry and no honest style refused, and the README's
table must show its figures.
"""

from __future__ import annotations

import json
import re

import pytest

from autograder.course.assignments import ASSIGNMENTS, get_assignment
from autograder.course.paths import REPO
from autograder.mutation.accepted import load_accepted
from autograder.mutation.corpus import entries
from autograder.mutation.digest import question_digests

from .submissions import CORPUS

RESULTS = REPO / "benchmarks" / "results"
ACCEPTED = RESULTS / "mutation_accepted.json"
README_LABELS = {"mnist_nn": "MNIST lesson", "fashion_nn": "Fashion-MNIST take-home"}


def with_saved_results() -> list[str]:
    """The assignments whose mutation results are committed (a new assignment may not have run `mutants` yet)."""
    return [name for name in sorted(ASSIGNMENTS) if (RESULTS / f"mutation_{name}.json").is_file()]


def saved(name: str) -> dict:
    return json.loads((RESULTS / f"mutation_{name}.json").read_text())


def rerun(name: str) -> str:
    return (f"rerun `python -m autograder mutants --assignment {name} --save benchmarks/results/mutation_{name}` "
            "and commit both files (and the README's figures)")


@pytest.mark.parametrize("name", with_saved_results())
def test_saved_results_match_the_checks_they_judged(name):
    recorded = saved(name).get("digests", {})
    today = question_digests(get_assignment(name), load_accepted(ACCEPTED, name), entries(CORPUS, name, "correct"))
    changed = sorted(q for q in set(today) | set(recorded) if today.get(q) != recorded.get(q))
    assert not changed, (
        f"{name}: the checks, solution lines, accepted survivors or honest corpus styles of {', '.join(changed)} "
        f"changed since the mutation results were saved: {rerun(name)}"
    )


@pytest.mark.parametrize("name", with_saved_results())
def test_saved_results_are_a_whole_run_with_nothing_left_open(name):
    data = saved(name)
    questions = data["questions"]
    sampled = [q for q, found in questions.items() if found["mutants"] != found["generated"]]
    assert not sampled, f"{name}: the saved run sampled {sampled}: {rerun(name)} without --max-mutants or --question"
    survivors = {q: found["survivors"] for q, found in questions.items() if found["survived"]}
    assert not survivors, f"{name}: strengthen a check or accept each survivor with its reason: {survivors}"
    assert not data["unmatched_accepted"], f"{name}: accepted entries that match no survivor: {data['unmatched_accepted']}"
    refused = {style: found["failed"] for style, found in data["honest_styles"].items() if found["failed"]}
    assert data["honest_styles"] and not refused, f"{name}: checks refuse honest corpus styles: {refused}"


def test_readme_shows_the_saved_figures():
    readme = re.sub(r"[ \t]+", " ", (REPO / "README.md").read_text())
    for name, label in README_LABELS.items():
        data = saved(name)
        total = {key: sum(q[key] for q in data["questions"].values()) for key in ("killed", "survived", "accepted", "equivalent")}
        row = (f"| {label} | {data['total']['mutants']} | {total['killed']} | {total['survived']} | {total['accepted']} | "
               f"{total['equivalent']} | {data['total']['score']:.1%} ({data['total']['raw_score']:.1%}) |")
        assert row in readme, f"the README's mutation table should have the row {row}"

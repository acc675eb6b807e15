"""The resume key: what changes the grader version (a verdict could change) and what does not.

Each case edits a copy of the repository's tracked files in a temporary folder and computes the
versions there in a fresh interpreter, so the working tree is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.classroom.collect import Submission
from autograder.classroom.manifest import course_roster, identified_as, is_current
from autograder.course.assignments import ASSIGNMENTS
from autograder.course.paths import REPO

from . import digits_course
from .repo_copy import copy_tracked_tree

# Run in the copy: the versions as they are, then with each edit (old text -> new text; "" old: append).
VERSIONS_PER_EDIT = """
import json, sys
from pathlib import Path
from autograder.course.assignments import ASSIGNMENTS
from autograder.classroom import manifest

def versions():
    manifest._version_of.cache_clear()
    return {name: manifest.grader_version(a) for name, a in ASSIGNMENTS.items()}

results = {"as is": versions()}
for name, old, new in json.loads(sys.argv[1]):
    path = Path(name)
    before = path.read_bytes() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (before or b"").decode()
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1) if old else text + new)
    results[name + ": " + new] = versions()
    path.write_bytes(before) if before is not None else path.unlink()
results["restored"] = versions()
print(json.dumps(results))
"""

EVERY = set(ASSIGNMENTS)
# Those whose kernel gets the data helper beside the notebook, or whose tests load a dataset with it.
DATA_HELPER = {name for name, a in ASSIGNMENTS.items() if a.datasets or "nn_data.py" in a.facts.files}
# (file, old text, new text; old "" appends): changes that cannot change any verdict
COSMETIC = [
    ("autograder/classroom/class_report.py", "", "\n# a typo fixed in the report\n"),
    ("autograder/classroom/similarity.py", "K = 10", "K = 12"),
    ("autograder/classroom/batch.py", "", "\n# progress bar wording\n"),
    ("autograder/__main__.py", "grade submissions in the sandboxed engine", "grade a class in the sandboxed engine"),
    ("autograder/gradescope/package.py", "", "\n# packaging changed\n"),
    ("README.md", "", "\nA sentence of documentation.\n"),
    ("otter_config.json", "\n}", "\n\n}"),  # the same configuration
    ("autograder/hidden_tests/mnist_nn/__pycache__/q1.cpython-311.pyc", "", "stale bytecode"),
    ("autograder/release/tree.py", "", "\n# how a release is written\n"),
    # a student notebook only tells assignments apart: each grading's record keeps what it was identified as
    ("assignment/fashion_nn/fashion_nn.ipynb", "In the lesson you taught", "In the lesson, you taught"),
]
# (file, old text, new text, the assignments whose version must change)
VERDICT = [
    ("autograder/engine/judge.py", "", "\n# judge changed\n", EVERY),
    ("autograder/limits.py", "cell_floor_seconds: float = 60.0", "cell_floor_seconds: float = 61.0", EVERY),
    ("autograder/course/assignments.py", "", "\n# the grading task changed\n", EVERY),
    ("autograder/hidden_tests/mnist_nn/q1.py", "", "\n# a hidden test changed\n", {"mnist_nn"}),
    ("autograder/hidden_tests/fashion_nn/q3.py", "", "\n# a hidden test changed\n", {"fashion_nn"}),
    ("assignment/mnist_nn/tests/q2.py", "", "\n# a public test changed\n", {"mnist_nn"}),
    ("solutions/nn_data.py", "", "\n# the data helper changed\n", DATA_HELPER),
    ("autograder/hidden_tests/mnist_nn/cell_times.json", '"seconds": ', '"seconds": 1', {"mnist_nn"}),
    ("autograder/release/student/notebook_setup.py", "", "\n# the notebooks' setup (and copies' names) changed\n", EVERY),
    ("otter_config.json", '"seed": 42', '"seed": 43', EVERY),
    ("requirements.lock", "", "\nnumpy==0.0.1\n", EVERY),
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return copy_tracked_tree(tmp_path_factory.mktemp("repo"))


def versions(root: Path, edits: list[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """Versions of every assignment in the copy at root: as is, after each edit alone, and restored."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.run([sys.executable, "-c", VERSIONS_PER_EDIT, json.dumps(edits)], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def measured(tree) -> dict[str, dict[str, str]]:
    return versions(tree, [edit[:3] for edit in COSMETIC + VERDICT])


def test_the_copy_has_the_versions_of_the_repository(measured):
    # nothing machine- or run-specific (absolute paths, memory addresses) is hashed; edits are undone cleanly
    assert measured["as is"] == versions(REPO, [])["as is"] == measured["restored"]


@pytest.mark.parametrize("name,old,new", COSMETIC, ids=[c[0] for c in COSMETIC])
def test_a_cosmetic_change_regrades_nothing(measured, name, old, new):
    assert measured[f"{name}: {new}"] == measured["as is"]


@pytest.mark.parametrize("name,old,new,changed", VERDICT, ids=[c[0] for c in VERDICT])
def test_a_change_that_can_change_a_verdict_changes_the_version(measured, name, old, new, changed):
    before, after = measured["as is"], measured[f"{name}: {new}"]
    assert {n for n in before if before[n] != after[n]} == changed


def test_only_a_final_verdict_for_the_same_request_is_current():
    manifest = {"status": "graded", "content_sha256": "abc", "grader_version": "v", "requested": None}
    assert is_current(manifest, "abc", "v")
    assert not is_current(manifest, "abc", "v", requested="mnist_nn")  # identified then; now asked for one
    assert is_current({**manifest, "requested": "mnist_nn"}, "abc", "v", requested="mnist_nn")
    assert not is_current({**manifest, "status": "grader-error"}, "abc", "v")


def test_adding_an_assignment_leaves_the_others_versions_alone(tmp_path):
    """A third lesson (scikit-learn's bundled digits: no dataset) added to a copy and built: the existing
    assignments keep their grader versions, so resuming a class after adding a lesson regrades nobody."""
    root = copy_tracked_tree(tmp_path / "repo")
    before = versions(root, [])["as is"]
    digits_course.write_master(root)
    env = {**os.environ, "PYTHONPATH": str(root)}
    build = [sys.executable, "-m", "autograder", "build", "--assignment", digits_course.NAME, "--no-execute"]
    done = subprocess.run(build, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    after = versions(root, [])["as is"]
    assert set(after) == set(before) | {digits_course.NAME}
    assert {name: after[name] for name in before} == before


def _submission(tmp_path: Path, name: str) -> Submission:
    """The lesson's notebook under another name, without the assignment name otter writes into its metadata."""
    notebook = nbformat.read(ASSIGNMENTS["mnist_nn"].student_notebook, as_version=4)
    notebook.metadata.pop("otter", None)
    path = tmp_path / name
    nbformat.write(notebook, path)
    return Submission(path.stem, path)


def test_a_recorded_identity_is_checked_again_only_when_the_assignments_change(tmp_path):
    sub = _submission(tmp_path, "homework.ipynb")
    assert identified_as(sub, "mnist_nn") == "mnist_nn" == identified_as(sub, None)  # by the functions it defines
    manifest = {"status": "graded", "content_sha256": "abc", "grader_version": "v", "requested": "mnist_nn"}
    same_course = {**manifest, "identity": {"roster": course_roster(), "as": "unread"}}
    assert is_current(same_course, "abc", "v", "mnist_nn", sub)  # the same assignments: not read again
    changed = {**manifest, "identity": {"roster": "another course", "as": "mnist_nn"}}
    assert is_current(changed, "abc", "v", "mnist_nn", sub)  # read again: still the lesson
    moved = {**manifest, "identity": {"roster": "another course", "as": None}}
    assert not is_current(moved, "abc", "v", "mnist_nn", sub)  # now recognised: it must be graded again
    assert not is_current(manifest, "abc", "v", "mnist_nn", sub)  # no identity recorded

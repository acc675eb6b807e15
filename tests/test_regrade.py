"""Regrades that show what changed: the earlier results kept, per student the old and new scores and why.

The end-to-end test changes one hidden check for real, in a copy of the repository's tracked files
(the working tree is never touched), and grades a small Gradescope export there with the real
command before and after: light notebooks (no training), on the real batch path. The rest are unit
tests of the reasons, the kept files and changes.csv, without kernels.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.classroom import regrade
from autograder.classroom.collect import PREVIOUS, Person, Submission, is_reserved
from autograder.classroom.manifest import MANIFEST
from autograder.classroom.regrade import Archive, Change, regrade_reasons, summary_line, write_changes_csv
from autograder.course.paths import REPO

from .gradescope_export import make_export
from .repo_copy import copy_tracked_tree
from .submissions import honest_light_notebook

HIDDEN_CHECK = "autograder/hidden_tests/mnist_nn/q5.py"
# The instructor "fixes" q5's hidden check: the honest answer now fails it, the buggy one passes.
OLD_CHECK, NEW_CHECK = "total_params == 717210", "total_params == 101770"


def grade(tree: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "autograder", "grade", *args], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=1800)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def regraded(tmp_path_factory) -> dict:
    """A class graded, one hidden check changed, the same command again, and once more with nothing changed."""
    root = tmp_path_factory.mktemp("regrade")
    tree = copy_tracked_tree(root / "repo")
    for data in (REPO / "data").glob("*.npz"):  # the grader loads the test data; the light notebooks do not
        (tree / "data" / data.name).symlink_to(data)
    notebooks = {}
    for name, total_params in (("honest", "717210"), ("q5_bug", "101770")):
        notebook = honest_light_notebook()
        notebook.metadata["otter"] = {"assignment_name": "mnist_nn"}
        notebook.cells[4].source = f"total_params = {total_params}"
        notebooks[name] = root / name / "mnist_nn.ipynb"
        notebooks[name].parent.mkdir()
        nbformat.write(notebook, notebooks[name])
    export = make_export([("Ada Lovelace", notebooks["honest"]), ("Alan Turing", notebooks["q5_bug"])], root / "export")
    out = root / "out"
    command = ("--gradescope-export", str(export), "--assignment", "mnist_nn", "--out", str(out), "--no-similarity")
    first = grade(tree, *command)
    assert first.returncode == 0, first.stderr[-3000:]
    before = snapshot(out)
    check = tree / HIDDEN_CHECK
    assert OLD_CHECK in check.read_text()
    check.write_text(check.read_text().replace(OLD_CHECK, NEW_CHECK))
    second = grade(tree, *command)
    assert second.returncode == 0, second.stderr[-3000:]
    after = snapshot(out)
    third = grade(tree, *command)
    return {"out": out, "before": before, "after": after, "first": first, "second": second, "third": third}


def test_a_changed_hidden_check_regrades_and_says_who_moved(regraded):
    second = regraded["second"].stderr
    assert "regraded: 2 students changed: 1 up, 1 down (2 regraded: grader version changed)" in second, second[-2000:]
    rows = {r["Name"]: r for r in csv.DictReader((regraded["out"] / "changes.csv").open())}
    assert set(rows) == {"Ada Lovelace", "Alan Turing"}
    ada, alan = rows["Ada Lovelace"], rows["Alan Turing"]
    assert (ada["Reason"], ada["Old total"], ada["New total"], ada["Change"]) == (regrade.VERSION_CHANGED, "7", "6.5", "-0.5")
    assert (alan["Old total"], alan["New total"], alan["Change"]) == ("6.5", "7", "+0.5")
    assert (ada["q5 old"], ada["q5 new"], ada["q1 old"], ada["q1 new"]) == ("1", "0.5", "2", "2")
    assert ada["SID"] and ada["Email"] and ada["Previous results"].startswith(f"{PREVIOUS}/")
    report = regraded["after"]["report.html"].decode()  # the regrade's report (a later run writes its own)
    assert "2 students changed: 1 up, 1 down" in report and "q5 1 → 0.5" in report
    grades = {r["Name"]: r["Total"] for r in csv.DictReader((regraded["out"] / "grades.csv").open())}
    assert grades == {"Ada Lovelace": "6.5", "Alan Turing": "7"}


def test_nothing_of_the_earlier_run_is_lost(regraded):
    out, before, after = regraded["out"], regraded["before"], regraded["after"]
    runs = list((out / PREVIOUS).iterdir())
    assert len(runs) == 1
    kept = {k.removeprefix(f"{PREVIOUS}/{runs[0].name}/"): v for k, v in after.items() if k.startswith(f"{PREVIOUS}/")}
    assert kept == {k: v for k, v in before.items() if k != "grader.log"}  # every earlier file, byte for byte
    for name in kept:
        if name.endswith(MANIFEST):
            manifest = json.loads(after[name])
            assert manifest["regraded"]["reasons"] == [regrade.VERSION_CHANGED]
            assert manifest["regraded"]["previous"] == {k: json.loads(before[name])[k] for k in manifest["regraded"]["previous"]}
            assert manifest["regraded"]["kept_in"] == f"{PREVIOUS}/{runs[0].name}/{Path(name).parent}"


def test_a_rerun_with_nothing_changed_keeps_the_last_changes(regraded):
    third = regraded["third"]
    assert third.returncode == 0 and "graded 0, already graded 2" in third.stderr and "regraded" not in third.stderr
    out = regraded["out"]
    assert len(list((out / PREVIOUS).iterdir())) == 1
    assert (out / "changes.csv").read_bytes() == regraded["after"]["changes.csv"]


# ------------------------------------------------------------------------------------------------ no kernels

MANIFEST_FIELDS = {"status": "graded", "content_sha256": "abc", "grader_version": "v1", "requested": "mnist_nn"}


@pytest.mark.parametrize("changes, force, reasons", [
    ({}, False, []),
    ({}, True, [regrade.FORCED]),
    ({"grader_version": "v0"}, True, [regrade.VERSION_CHANGED]),
    ({"content_sha256": "old", "grader_version": "v0"}, False, [regrade.VERSION_CHANGED, regrade.SUBMISSION_CHANGED]),
    ({"requested": None}, False, [regrade.REQUEST_CHANGED]),
    ({"status": "grader-error"}, False, [f"{regrade.EARLIER_FAILED} (grader-error)"]),
])
def test_the_reasons_for_grading_again(changes, force, reasons):
    assert regrade_reasons({**MANIFEST_FIELDS, **changes}, "abc", "v1", "mnist_nn", force) == reasons


def manifest(score: float, q1: float, q2: float, status: str = "graded") -> dict:
    return {"score": score, "max_score": 3.0, "status": status, "questions": {"q1": [q1, 2.0], "q2": [q2, 1.0]}}


def test_summary_and_changes_csv(tmp_path):
    group = Submission("group", tmp_path / "g.ipynb", (Person("Ada", "ada@x.edu", "1"), Person("=cmd", "b@x.edu", "2")))
    changes = [
        Change(group, [regrade.VERSION_CHANGED], manifest(1, 1, 0), manifest(3, 2, 1), "previous/r/group"),  # 2 students up
        Change(Submission("bo", tmp_path / "b.ipynb"), [regrade.VERSION_CHANGED], manifest(3, 2, 1), manifest(2, 2, 0), "p/bo"),
        Change(Submission("cy", tmp_path / "c.ipynb"), [regrade.FORCED], manifest(2, 2, 0), manifest(2, 2, 0), "p/cy"),
        Change(Submission("di", tmp_path / "d.ipynb"), [regrade.FORCED], manifest(2, 2, 0), manifest(2, 1, 1), "p/di"),
    ]
    assert summary_line(changes) == (f"4 students changed: 2 up, 1 down, 1 same total (5 regraded: {regrade.FORCED}; "
                                     f"{regrade.VERSION_CHANGED})")
    write_changes_csv(changes, tmp_path / "changes.csv")
    rows = list(csv.DictReader((tmp_path / "changes.csv").open()))
    assert [(r["Name"], r["Submission"], r["Change"]) for r in rows] == [
        ("Ada", "group", "+2"), ("'=cmd", "group", "+2"), ("", "bo", "-1"), ("", "cy", "+0"), ("", "di", "+0")]
    assert (rows[0]["q1 old"], rows[0]["q1 new"], rows[0]["q2 old"], rows[0]["q2 new"]) == ("1", "2", "0", "1")


def test_the_archive_keeps_whole_folders_and_the_class_outputs(tmp_path):
    out = tmp_path / "out"
    (out / "s1").mkdir(parents=True)
    (out / "s1" / "results.json").write_text("old")
    (out / "grades.csv").write_text("old grades")
    (out / "grades-mnist_nn.csv").write_text("old book")
    (out / "notes.txt").write_text("not ours")
    archive = Archive(out, run="2026-01-01T000000Z")
    (out / PREVIOUS / "2026-01-01T000000Z").mkdir(parents=True)  # an earlier run in the same second
    assert archive.keep("s1") == f"{PREVIOUS}/2026-01-01T000000Z-2/s1"
    assert archive.keep("missing") == f"{PREVIOUS}/2026-01-01T000000Z-2/missing"  # nothing to keep: no error
    kept = out / PREVIOUS / "2026-01-01T000000Z-2"
    assert sorted(p.name for p in kept.iterdir()) == ["grades-mnist_nn.csv", "grades.csv", "s1"]
    assert (kept / "s1" / "results.json").read_text() == "old"
    assert is_reserved("previous") and is_reserved("changes.csv") and is_reserved("grader.log")

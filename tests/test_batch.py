"""Batch grading through the real path: Dask LocalCluster workers, real sandboxed kernels.

The notebooks are light (no training: answers to q1, q2, q3 and q5), because these tests are
about the batch layer; the engine on full lesson notebooks is tested in test_engine_grading.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

from autograder.classroom.batch import BatchSettings, grade_batch
from autograder.classroom.collect import CollectError, Person, Submission, collect, looks_like_export
from autograder.classroom.gradebook import write_grades_csv
from autograder.classroom.manifest import MANIFEST, is_current
from autograder.classroom.outputs import write_class_outputs
from autograder.classroom.regrade import SUBMISSION_CHANGED
from autograder.course.assignments import ASSIGNMENTS, get_assignment
from autograder.course.paths import REPO
from autograder.engine import GradingOptions, grade_submission

from .submissions import HONEST_LIGHT_CELLS, honest_light_notebook
from .terminal import chatter

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

# Each variant replaces some cells of the honest light notebook (by index) or is a broken file.
VARIANTS = {
    "s01_honest": {},
    "s02_loops": {
        1: "def reshape_images(images):\n    flat = [image.ravel() for image in images]\n    return np.array(flat)",
        3: "def one_hot_labels(labels, num_classes=10):\n    out = np.zeros((len(labels), num_classes), dtype=np.float32)\n"
        "    for row, label in enumerate(labels):\n        out[row, label] = 1.0\n    return out",
    },
    "s03_divide_first": {2: "def normalize_images(images):\n    scaled = images / 255\n    return scaled.astype('float32')"},
    "s04_renamed_copy": {
        1: "def reshape_images(imgs):  # flatten each picture\n    return imgs.reshape(len(imgs), -1)",
        2: "def normalize_images(imgs):\n    # scale pixels to [0, 1]\n    return imgs.astype(np.float32) / 255.0",
        3: "def one_hot_labels(lbls, num_classes=10):\n    return np.eye(num_classes, dtype=np.float32)[np.asarray(lbls)]",
    },
    "s05_q1_bug": {1: "def reshape_images(images):\n    return images.reshape(-1, 28, 28)"},
    "s06_q3_bug": {3: "def one_hot_labels(labels, num_classes=10):\n    return np.eye(num_classes)[np.asarray(labels) - 1]"},
    "s07_q5_bug": {4: "total_params = 101770"},
    "s08_cell_error": {4: "total_params = 717210\nraise ValueError('oops')"},
}


def student_notebook(notebook: nbformat.NotebookNode, assignment) -> nbformat.NotebookNode:
    """The notebook with the metadata every student notebook of `assignment` carries (otter assign writes it)."""
    notebook.metadata["otter"] = {"assignment_name": assignment.name}
    return notebook


def write_variant(name: str, changes: dict, folder: Path) -> Path:
    notebook = honest_light_notebook()
    for index, source in changes.items():
        notebook.cells[index].source = source
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> Path:
    """Ten submissions: eight notebooks, a broken file and a student's zip."""
    folder = tmp_path_factory.mktemp("class")
    for name, changes in VARIANTS.items():
        write_variant(name, changes, folder)
    (folder / "s09_broken.ipynb").write_text('{"cells": [')
    with zipfile.ZipFile(folder / "s10_zipped.zip", "w") as archive:
        archive.write(folder / "s02_loops.ipynb", "mnist_nn.ipynb")
    return folder


def comparable(results: dict) -> dict:
    """A results.json without its timing, which differs from run to run."""
    return {k: v for k, v in results.items() if k != "execution_time"}


def test_parallel_batch_matches_one_by_one_grading(class_folder, tmp_path):
    submissions = collect([class_folder], MNIST.notebook_name, tmp_path / "staging")
    assert len(submissions) == 10
    settings = BatchSettings(MNIST, tmp_path / "batch", workers=2)
    outcome = grade_batch(submissions, settings)
    assert sorted(outcome.graded) == sorted(s.id for s in submissions) and not outcome.skipped
    for sub in submissions:
        alone = grade_submission(sub.path, tmp_path / "alone", GradingOptions(MNIST.task()))
        batch = json.loads((settings.out / sub.id / "results.json").read_text())
        single = json.loads((tmp_path / "alone" / sub.id / "results.json").read_text())
        assert comparable(batch) == comparable(single), sub.id
        assert outcome.manifests[sub.id]["status"] == alone.status
    scores = {s: m["score"] for s, m in outcome.manifests.items()}
    assert scores["s01_honest"] == scores["s02_loops"] == scores["s10_zipped"] == 7
    assert scores["s05_q1_bug"] < 7 and scores["s06_q3_bug"] < 7 and scores["s09_broken"] == 0
    assert outcome.manifests["s09_broken"]["status"] == "unreadable"

    paths = write_class_outputs(submissions, outcome.manifests, settings).paths
    rows = list(csv.DictReader(paths["grades"].open()))
    assert [r["Submission"] for r in rows] == sorted(s.id for s in submissions)
    assert {r["Submission"]: float(r["Total"]) for r in rows} == scores
    assert rows[0]["q1"] == "2" and rows[0]["Status"] == "graded"
    report = paths["report"].read_text()
    assert report.count("data:image/png;base64,") >= 3 and "s09_broken" in report
    pairs = list(csv.DictReader(paths["similarity"].open()))
    assert {pairs[0]["first"], pairs[0]["second"]} == {"s01_honest", "s04_renamed_copy"}, pairs
    feedback = (settings.out / "s05_q1_bug" / "feedback.md").read_text()
    assert "q1" in feedback and "reshape" in feedback.lower()


def test_gradescope_export_keeps_student_identities(class_folder, tmp_path):
    from .gradescope_export import make_export

    students = [("Ada Lovelace", class_folder / "s01_honest.ipynb"), ("Alan Turing", class_folder / "s09_broken.ipynb")]
    for as_zip in (False, True):
        export = make_export(students, tmp_path / f"export-{as_zip}", as_zip=as_zip)
        found = collect([], MNIST.notebook_name, tmp_path / f"staging-{as_zip}", exports=[export])
        assert [(s.name, s.email != "", s.people[0].sid != "", s.id.startswith("submission_")) for s in found] == [
            ("Ada Lovelace", True, True, True), ("Alan Turing", True, True, True),
        ]
        assert found[0].path.read_bytes() == students[0][1].read_bytes()


def test_zip_member_names_cannot_escape(tmp_path):
    archive_path = tmp_path / "class.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("../../escaped.ipynb", nbformat.writes(honest_light_notebook()))
        archive.writestr("/abs/other.ipynb", nbformat.writes(honest_light_notebook()))
    found = collect([archive_path], MNIST.notebook_name, tmp_path / "staging")
    assert sorted(s.id for s in found) == ["abs__other", "escaped"]
    assert all(s.path.resolve().is_relative_to((tmp_path / "staging").resolve()) for s in found)
    assert not (tmp_path.parent / "escaped.ipynb").exists()


def run_cli(*args: str) -> subprocess.Popen:
    # A shell's background job starts with SIGINT ignored, and Python then never turns it into
    # KeyboardInterrupt: give the command the disposition a terminal would.
    return subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", *args], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_interrupted_batch_resumes_without_losing_or_regrading(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(6):
        # distinct content per student: a comment line makes each file its own submission
        notebook = student_notebook(honest_light_notebook(), MNIST)  # graded as the assignment it says it is
        notebook.cells[0].source = f"import numpy as np  # student {number}"
        nbformat.write(notebook, folder / f"student{number}.ipynb")
    out = tmp_path / "out"
    process = run_cli(str(folder), "--out", str(out), "--workers", "1", "--no-similarity")
    deadline = time.monotonic() + 300
    while len(list(out.glob(f"*/{MANIFEST}"))) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.5)
    os.kill(process.pid, signal.SIGINT)  # Ctrl-C
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert "interrupted" in stderr
    assert chatter(stderr) == [], "TensorFlow or absl reached the terminal from a Dask worker"
    done = {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"*/{MANIFEST}")}
    assert 2 <= len(done) < 6, stderr[-2000:]
    for name in done:  # every result written before the interrupt is whole
        assert json.loads((out / name / "results.json").read_text())["score"] == 7
    assert not list(out.rglob(".*.*")), "a temporary file was left behind"

    again = run_cli(str(folder), "--out", str(out), "--workers", "1", "--no-similarity")
    stdout, stderr = again.communicate(timeout=600)
    assert again.returncode == 0, stderr[-2000:]
    assert f"graded {6 - len(done)}, already graded {len(done)}" in stderr
    assert {n: (out / n / MANIFEST).stat().st_mtime_ns for n in done} == done, "a finished submission was regraded"
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [(r["Submission"], r["Total"]) for r in rows] == [(f"student{n}", "7") for n in range(6)]


def test_changed_submission_is_regraded(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    path = write_variant("only", {}, folder)
    settings = BatchSettings(MNIST, tmp_path / "out", workers=1, similarity=False)
    first = grade_batch(collect([folder], MNIST.notebook_name, tmp_path / "s1"), settings)
    assert first.graded == ["only"] and first.manifests["only"]["score"] == 7
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(HONEST_LIGHT_CELLS[0])]), path)
    second = grade_batch(collect([folder], MNIST.notebook_name, tmp_path / "s2"), settings)
    assert second.graded == ["only"] and second.manifests["only"]["score"] == 0
    change = second.changes[0]  # the earlier result is kept, and the change says why
    assert (change.reasons, change.old["score"], change.new["score"]) == ([SUBMISSION_CHANGED], 7, 0)
    assert (settings.out / change.archived / "results.json").read_bytes() != (settings.out / "only" / "results.json").read_bytes()
    assert json.loads((settings.out / change.archived / MANIFEST).read_text())["score"] == 7
    third = grade_batch(collect([folder], MNIST.notebook_name, tmp_path / "s3"), settings)
    assert third.skipped == ["only"] and third.graded == []


def test_ids_stay_distinct_and_never_take_an_output_name(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a b", "a_b", "a_b-2", "A_B", "grades.csv", "report.html"):
        nbformat.write(honest_light_notebook(), folder / f"{name}.ipynb")
    ids = [s.id for s in collect([folder], MNIST.notebook_name, tmp_path / "staging")]
    assert len({i.casefold() for i in ids}) == 6, ids
    assert not {"grades.csv", "report.html"} & set(ids)


def test_a_zip_of_student_zips_is_a_class(tmp_path):
    inner = tmp_path / "alice.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("mnist_nn.ipynb", nbformat.writes(honest_light_notebook()))
    outer = tmp_path / "class.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(inner, "alice.zip")
        archive.write(inner, "bob.zip")
    found = collect([outer], MNIST.notebook_name, tmp_path / "staging")
    assert sorted(s.id for s in found) == ["alice", "bob"]


def test_broken_class_archives_and_metadata_are_refused_or_skipped_cleanly(tmp_path):
    clash = tmp_path / "clash.zip"
    with zipfile.ZipFile(clash, "w") as archive:
        archive.writestr("x.zip", b"PK")
        archive.writestr("x.zip/y.ipynb", "{}")
    with pytest.raises(CollectError, match="could not be unpacked"):
        collect([clash], MNIST.notebook_name, tmp_path / "s1")
    export = tmp_path / "export"
    (export / "submission_1").mkdir(parents=True)
    nbformat.write(honest_light_notebook(), export / "submission_1" / "mnist_nn.ipynb")
    (export / "submission_metadata.yml").write_text("submission_1:\n  :submitters: 5\nsubmission_2:\n  :submitters: []\n")
    found = collect([], MNIST.notebook_name, tmp_path / "s2", exports=[export])
    assert [(s.id, s.people) for s in found] == [("submission_1", ()), ("submission_2", ())]
    (export / "submission_metadata.yml").write_text("a: &x [*x]\n")
    with pytest.raises(CollectError, match="not readable YAML"):
        collect([], MNIST.notebook_name, tmp_path / "s3", exports=[export])


def test_grades_csv_has_a_row_per_student_and_no_formulas(tmp_path):
    people = (Person("=HYPERLINK(1)", "a@x.edu", "1"), Person("Bo", "b@x.edu", "2"))
    group = Submission("submission_7", tmp_path / "x.ipynb", people)
    manifests = {"submission_7": {"questions": {"q1": [2, 2]}, "score": 2, "max_score": 2, "status": "graded"}}
    write_grades_csv([group], manifests, tmp_path / "grades.csv")
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert [(r["Name"], r["SID"], r["Total"]) for r in rows] == [("'=HYPERLINK(1)", "1", "2"), ("Bo", "2", "2")]


FASHION = ASSIGNMENTS["fashion_nn"]
# Answers to the take-home's q1 and q2 (3 points) that need no training.
FASHION_LIGHT_CELLS = [
    "import numpy as np",
    "def prepare_images(images):\n    return images.reshape(len(images), -1).astype(np.float32) / 255.0",
    "def one_hot_labels(labels, num_classes=10):\n    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels)]",
]


def test_each_submission_is_graded_as_its_own_assignment(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    nbformat.write(student_notebook(honest_light_notebook(), MNIST), folder / "ada.ipynb")
    fashion = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FASHION_LIGHT_CELLS])
    fashion.metadata["kernelspec"] = honest_light_notebook().metadata["kernelspec"]
    nbformat.write(student_notebook(fashion, FASHION), folder / "bo.ipynb")
    submissions = collect([folder], [MNIST.notebook_name, FASHION.notebook_name], tmp_path / "staging")

    # Asked for MNIST: the Fashion-MNIST notebook is refused with a status saying so, not graded as MNIST.
    forced = grade_batch(submissions, BatchSettings(MNIST, tmp_path / "as-mnist", workers=2, similarity=False))
    assert {i: (m["assignment"], m["status"], m["score"]) for i, m in forced.manifests.items()} == {
        "ada": ("mnist_nn", "graded", 7), "bo": ("mnist_nn", "wrong-assignment", 0)}
    refusal = json.loads((tmp_path / "as-mnist" / "bo" / "results.json").read_text())["output"]
    assert "fashion_nn" in refusal and "mnist_nn" in refusal

    # Not told which: each is identified and graded with its own assignment's tests, into its own gradebook.
    settings = BatchSettings(None, tmp_path / "identified", workers=2, similarity=False)
    identified = grade_batch(submissions, settings)
    assert {i: (m["assignment"], m["status"], m["score"], m["max_score"]) for i, m in identified.manifests.items()} == {
        "ada": ("mnist_nn", "graded", 7, 18), "bo": ("fashion_nn", "graded", 3, 18)}
    paths = write_class_outputs(submissions, identified.manifests, settings).paths
    books = {name: [(r["Submission"], r["Total"]) for r in csv.DictReader(paths[f"grades-{name}"].open())]
             for name in ("mnist_nn", "fashion_nn")}
    assert books == {"mnist_nn": [("ada", "7")], "fashion_nn": [("bo", "3")]}
    again = grade_batch(submissions, settings)
    assert sorted(again.skipped) == ["ada", "bo"] and again.graded == []


VICTIM = ("Victor Victim", "20249999", "victor.victim@example.edu")


def injected_metadata() -> str:
    """A submission_metadata.yml, as a student would forge it, naming another student."""
    from .gradescope_export import metadata_record, metadata_yaml

    records = {f"submission_{n}": metadata_record(VICTIM[0], VICTIM[1], VICTIM[2], datetime(2024, 3, 1, tzinfo=UTC))
               for n in (1, 123456789)}
    records["mallory"] = records["submission_1"]
    return metadata_yaml(records)


def test_a_students_own_files_never_set_an_identity(class_folder, tmp_path):
    """Review finding: a student's zip holding submission_metadata.yml put another student's name, SID and
    email into grades.csv. Identity now comes only from an export the instructor passes as one."""
    from .gradescope_export import make_export

    notebook = (class_folder / "s01_honest.ipynb").read_bytes()
    zipped = tmp_path / "mallory.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("submission_metadata.yml", injected_metadata())
        archive.writestr("mnist_nn.ipynb", notebook)
    layered = tmp_path / "mallory_layered.zip"  # the same, laid out like an export
    with zipfile.ZipFile(layered, "w") as archive:
        archive.writestr("assignment_1_export/submission_metadata.yml", injected_metadata())
        archive.writestr("assignment_1_export/submission_1/mnist_nn.ipynb", notebook)
    folder = tmp_path / "handed_in"
    (folder / "mallory").mkdir(parents=True)
    (folder / "mallory" / "mnist_nn.ipynb").write_bytes(notebook)
    (folder / "submission_metadata.yml").write_text(injected_metadata())
    (folder / "mallory" / "submission_metadata.yml").write_text(injected_metadata())
    # and inside a real export, a student's own folder holding a forged file of the same name
    export = make_export([("Mallory Student", class_folder / "s01_honest.ipynb")], tmp_path / "export")
    next(export.glob("submission_*/")).joinpath("submission_metadata.yml").write_text(injected_metadata())

    found = collect([zipped, layered, folder], MNIST.notebook_name, tmp_path / "staging", exports=[export])
    manifests = {s.id: {"questions": {"q1": [2, 2]}, "score": 2, "max_score": 2, "status": "graded"} for s in found}
    write_grades_csv(found, manifests, tmp_path / "grades.csv")
    text = (tmp_path / "grades.csv").read_text()
    assert not any(part in text for part in VICTIM), text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(found) == 4, rows
    assert [r["Name"] for r in rows if r["Name"]] == ["Mallory Student"]  # the export's own record, and only that


def test_every_text_cell_of_grades_csv_is_escaped_against_formulas(tmp_path):
    people = (Person("@SUM(A1)", "+1 555", "=cmd|' /C calc'!A0"), Person("\tTab", "-2", "\rreturn@x.edu"))
    subs = [Submission("-A1", tmp_path / "-A1.ipynb", people), Submission("+B2", tmp_path / "+B2.ipynb")]
    manifests = {s.id: {"questions": {"q1": [1, 2]}, "score": 1, "max_score": 2, "status": "graded"} for s in subs}
    write_grades_csv(subs, manifests, tmp_path / "grades.csv")
    rows = list(csv.reader((tmp_path / "grades.csv").open(newline="")))
    text_cells = [cell for row in rows[1:] for cell in row[:4]]
    assert all(cell == "" or not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in text_cells), text_cells
    assert rows[1][:4] == ["'@SUM(A1)", "'=cmd|' /C calc'!A0", "'+1 555", "'-A1"]  # Name, SID, Email, Submission
    assert rows[3][:4] == ["", "", "", "'+B2"] and rows[3][4:] == ["1", "1", "2", "graded"]


def test_a_folder_laid_out_like_an_export_is_flagged_but_not_trusted(tmp_path):
    from .gradescope_export import make_export

    nbformat.write(honest_light_notebook(), tmp_path / "a.ipynb")
    export = make_export([("Ada Lovelace", tmp_path / "a.ipynb")], tmp_path / "dl")
    assert looks_like_export(export) and not looks_like_export(tmp_path / "a.ipynb")
    found = collect([export], MNIST.notebook_name, tmp_path / "staging")
    assert [(s.id, s.people) for s in found] == [("submission_123456789__a", ())]
    with pytest.raises(CollectError, match="is not a Gradescope export"):
        collect([], MNIST.notebook_name, tmp_path / "staging2", exports=[tmp_path / "a.ipynb"])


def test_only_final_verdicts_count_as_done():
    manifest = {"status": "graded", "content_sha256": "abc", "grader_version": "v"}
    assert is_current(manifest, "abc", "v")
    assert not is_current(manifest, "abd", "v") and not is_current(manifest, "abc", "w")
    for status in ("grader-error", "no-sandbox"):  # the grader's failures are retried
        assert not is_current({**manifest, "status": status}, "abc", "v")

"""The class outputs (grades.csv, report.html, similarity.csv) whatever one submission contains; no kernels.

The results are built with the engine's own result types and saved by the batch's own writer,
as a grading would leave them; only the kernels are skipped (the batch tests run them).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.classroom import outputs
from autograder.classroom.batch import BatchSettings
from autograder.classroom.collect import Person, Submission
from autograder.classroom.manifest import read_payload, save_result
from autograder.classroom.outputs import write_class_outputs
from autograder.classroom.worker import returned
from autograder.course.assignments import ASSIGNMENTS, get_assignment
from autograder.engine.results import CaseResult, GradeResult, Status

from .submissions import HONEST_LIGHT_CELLS, honest_light_notebook

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

FASHION = ASSIGNMENTS["fashion_nn"]
BOMB_BYTES = 4 * 1024**2  # the size the review used: 88 s and 1.24 GB in the instructor's process before


def bomb_notebook(magic: str = "%%nonexistent_magic\n") -> nbformat.NotebookNode:
    """The honest light notebook plus one cell of 4 MB of code, under an unknown cell magic by default."""
    notebook = honest_light_notebook()
    line = "value_{0} = images_{0}.reshape(len(images_{0}), -1).astype(np.float32) / 255.0\n"
    body = "".join(line.format(i) for i in range(BOMB_BYTES // len(line.format(10_000))))
    notebook.cells.append(nbformat.v4.new_code_cell(magic + body))
    return notebook


def graded(submission: str, assignment, points: float) -> dict:
    """What a worker returns for a submission that scored `points` of its first check (of no assignment: none)."""
    if assignment is None:
        return returned(GradeResult(submission, [], Status.WRONG_ASSIGNMENT, ["could not tell which assignment"]), None)
    cases = [CaseResult("q1", "shape", points, 2.0, False, "" if points == 2 else "expected shape (3, 784)"),
             CaseResult("q2", "values", 0.0, 1.0, True, "values should lie in [0, 1]")]
    return returned(GradeResult(submission, cases), assignment)


def save_class(folder: Path, out: Path, notebooks: dict[str, tuple[nbformat.NotebookNode, object, float]]) -> tuple:
    """Write each notebook, save its result as the batch does; returns (submissions, manifests)."""
    folder.mkdir(parents=True, exist_ok=True)
    submissions, manifests = [], {}
    for name, (notebook, assignment, points) in notebooks.items():
        path = folder / f"{name}.ipynb"
        nbformat.write(notebook, path)
        sub = Submission(name, path, (Person(name.title(), f"{name}@example.edu", name),))
        requested = assignment.name if assignment else None
        manifests[name] = save_result(out, sub, read_payload(path)[1], requested, graded(name, assignment, points))
        submissions.append(sub)
    return submissions, manifests


class PeakRss:
    """The largest resident memory of this process while the block runs (sampled every 10 ms)."""

    def __enter__(self) -> PeakRss:
        self.process, self.start, self.peak = psutil.Process(), psutil.Process().memory_info().rss, 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.start


def copy_of(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.from_dict(json.loads(nbformat.writes(notebook)))


@pytest.mark.parametrize("magic", ["%%nonexistent_magic\n", ""], ids=["unknown-cell-magic", "plain-code-cell"])
def test_a_four_megabyte_submission_cannot_bomb_the_class_outputs(tmp_path, magic):
    copier = copy_of(honest_light_notebook())
    copier.cells.append(nbformat.v4.new_code_cell("\n".join(
        f"def helper_{i}(images):\n    flat = images.reshape(len(images), -1)\n    return flat.astype(np.float32) / {i + 1}.0"
        for i in range(12))))
    notebooks = {"alice": (copier, MNIST, 2.0), "bob": (copy_of(copier), MNIST, 2.0),
                 "mallory": (bomb_notebook(magic), MNIST, 1.0), "zoe": (honest_light_notebook(), MNIST, 0.0)}
    submissions, manifests = save_class(tmp_path / "class", tmp_path / "out", notebooks)
    assert (tmp_path / "class" / "mallory.ipynb").stat().st_size > BOMB_BYTES
    started = time.perf_counter()
    with PeakRss() as memory:
        written = write_class_outputs(submissions, manifests, BatchSettings(MNIST, tmp_path / "out"))
    seconds = time.perf_counter() - started
    print(f"class outputs with a {BOMB_BYTES >> 20} MB submission ({magic.strip() or 'plain cell'}): "
          f"{seconds:.1f} s, this process +{memory.growth >> 20} MB")
    # Measured while other gradings ran on the machine: the figures are upper bounds with slack.
    assert seconds < 45, seconds  # 65 s before (1.2 MB took 19 s here, linear in size)
    assert memory.growth < 150 * 1024**2, memory.growth  # the submission is read in a child process
    assert written.notes == []
    rows = list(csv.DictReader(written.paths["grades"].open()))
    assert [(r["Submission"], r["Total"]) for r in rows] == [("alice", "2"), ("bob", "2"), ("mallory", "1"), ("zoe", "0")]
    pairs = list(csv.DictReader(written.paths["similarity"].open()))
    assert {pairs[0]["first"], pairs[0]["second"]} == {"alice", "bob"}  # the step still did its job
    report = written.paths["report"].read_text()
    assert "mallory" in report and report.count("data:image/png;base64,") >= 3


def test_a_similarity_step_past_its_bounds_loses_nothing_else(tmp_path, monkeypatch):
    notebooks = {"alice": (honest_light_notebook(), MNIST, 2.0), "mallory": (bomb_notebook(), MNIST, 1.0)}
    submissions, manifests = save_class(tmp_path / "class", tmp_path / "out", notebooks)
    limits = outputs.CLASSROOM
    for bound, reason in ((dict(similarity_base_seconds=0.05, similarity_seconds_per_submission=0.0), "took more than 0.05 s"),
                          (dict(similarity_memory_bytes=8 * 1024**2), "more than 8 MB of memory")):
        monkeypatch.setattr(outputs, "CLASSROOM", dataclasses.replace(limits, **bound))
        written = write_class_outputs(submissions, manifests, BatchSettings(MNIST, tmp_path / "out"))
        assert len(written.notes) == 1 and reason in written.notes[0], written.notes
        assert "similarity" not in written.paths
        rows = list(csv.DictReader(written.paths["grades"].open()))
        assert [(r["Submission"], r["Total"]) for r in rows] == [("alice", "2"), ("mallory", "1")]
        report = written.paths["report"].read_text()
        assert "Similarity of mnist_nn was not computed" in report and "mallory" in report


def test_a_report_that_cannot_be_built_still_leaves_a_page_and_the_gradebook(tmp_path):
    notebooks = {"alice": (honest_light_notebook(), MNIST, 2.0), "bob": (honest_light_notebook(), MNIST, 1.0)}
    submissions, manifests = save_class(tmp_path / "class", tmp_path / "out", notebooks)
    results = tmp_path / "out" / "bob" / "results.json"
    results.write_text(results.read_text().replace('"score": 1.0,', '"score": "n/a",', 1))  # e.g. edited by hand
    written = write_class_outputs(submissions, manifests, BatchSettings(MNIST, tmp_path / "out", similarity=False))
    report = written.paths["report"].read_text()
    assert "The full report could not be built (ValueError" in report
    assert "<td>alice</td>" in report and "<td>bob</td>" in report
    assert [r["Total"] for r in csv.DictReader(written.paths["grades"].open())] == ["2", "1"]


def test_one_gradebook_per_assignment(tmp_path):
    fashion = honest_light_notebook()
    fashion.cells[1].source = "def prepare_images(images):\n    return images.reshape(len(images), -1) / 255.0"
    notebooks = {"ada": (honest_light_notebook(), MNIST, 2.0), "bo": (fashion, FASHION, 1.0),
                 "cy": (nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(HONEST_LIGHT_CELLS[0])]), None, 0.0)}
    submissions, manifests = save_class(tmp_path / "class", tmp_path / "out", notebooks)
    written = write_class_outputs(submissions, manifests, BatchSettings(None, tmp_path / "out"))
    names = {path.name for path in written.paths.values()}
    assert {"grades-mnist_nn.csv", "grades-fashion_nn.csv", "grades-unidentified.csv",
            "report-mnist_nn.html", "report-fashion_nn.html", "report-unidentified.html"} <= names
    assert "grades.csv" not in names
    books = {name: list(csv.DictReader(written.paths[f"grades-{name}"].open()))
             for name in ("mnist_nn", "fashion_nn", "unidentified")}
    assert {name: [r["Submission"] for r in rows] for name, rows in books.items()} == {
        "mnist_nn": ["ada"], "fashion_nn": ["bo"], "unidentified": ["cy"]}
    assert "Fashion-MNIST" in written.paths["report-fashion_nn"].read_text()

    # With one assignment in the batch, the submissions of none join its gradebook, under the plain names.
    del manifests["bo"]
    written = write_class_outputs([submissions[0], submissions[2]], manifests, BatchSettings(None, tmp_path / "out"))
    assert sorted(p.name for p in written.paths.values()) == ["grades.csv", "report.html", "similarity.csv"]
    rows = list(csv.DictReader(written.paths["grades"].open()))
    assert [(r["Submission"], r["q1"], r["Total"], r["Status"]) for r in rows] == [
        ("ada", "2", "2", "graded"), ("cy", "0", "0", "wrong-assignment")]

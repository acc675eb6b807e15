"""One notebook, fixed cost: `grade` of a single submission runs in the instructor's process, quietly.

With one submission to grade and no cluster named, `grade` calls the very function a Dask worker runs
in its own process: no cluster to start, no similarity child (there is no pair), no plots in the report
(a histogram of one total says nothing, and matplotlib costs a second to import). TensorFlow's and
absl's start-up lines go to OUT/grader.log (native_log.py), never to the terminal; Ctrl-C ends the
grading in flight, leaves nothing of it behind and writes no half result.
"""

from __future__ import annotations

import _thread
import csv
import dataclasses
import json
import os
import subprocess
import sys
import threading
import time

import nbformat
import pytest

from autograder.classroom import outputs
from autograder.classroom.batch import BatchSettings, grade_batch
from autograder.classroom.collect import GRADER_LOG, collect
from autograder.classroom.manifest import MANIFEST
from autograder.course.assignments import get_assignment
from autograder.course.paths import REPO
from autograder.engine import GradingOptions, Status, execute, grade_submission

from .leftovers import left_behind
from .submissions import honest_light_notebook
from .terminal import chatter

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for


def run(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as an instructor's shell has it
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_one_blank_notebook_is_graded_here_and_quietly(tmp_path):
    out = tmp_path / "out"
    done = run("grade", str(MNIST.student_notebook), "--assignment", MNIST.name, "--out", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{MNIST.name}: 0/18 (graded as {MNIST.name})" in done.stdout
    assert "1 submission(s) of mnist_nn, graded in this process" in done.stderr
    assert chatter(done.stdout, done.stderr) == [], "TensorFlow or absl reached the terminal"
    assert "distributed" not in done.stderr and (out / GRADER_LOG).exists()
    assert [r["Total"] for r in csv.DictReader((out / "grades.csv").open())] == ["0"]
    stages = json.loads(next(out.glob(f"*/{MANIFEST}")).read_text())["stages"]  # where the engine's seconds went
    assert {"sandbox start", "execution", "waiting for the judge's data", "probe + judge"} <= set(stages)
    assert (out / "similarity.csv").read_text().strip() == "first,second,score"  # no pair, no child process
    report = (out / "report.html").read_text()
    assert "<img" not in report and "mnist_nn" in report


def test_build_gradescope_is_quiet(tmp_path):
    done = run("build-gradescope", "--assignment", "fashion_nn", "--out", str(tmp_path / "autograder.zip"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert chatter(done.stdout, done.stderr) == []


@pytest.mark.slow
def test_demo_is_quiet():
    """The whole demo (both assignments built and graded): its terminal has the score table and no TensorFlow line."""
    done = run("demo", timeout=3600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert chatter(done.stdout, done.stderr) == [], "TensorFlow or absl reached the terminal"
    assert "18.00/18.00" in done.stdout and "0.00/18.00" in done.stdout


def test_one_submission_needs_no_similarity_child(tmp_path, monkeypatch):
    def no_child(*args, **kwargs):
        raise AssertionError("a similarity child process was started for one submission")

    monkeypatch.setattr(outputs, "run_bounded", no_child)
    path = tmp_path / "class" / "only.ipynb"
    path.parent.mkdir()
    nbformat.write(honest_light_notebook(), path)
    submission = collect([path], MNIST.notebook_name, tmp_path / "staging")
    manifest = {"submission": "only", "questions": {"q1": [2.0, 2.0]}, "score": 2.0, "max_score": 18.0,
                "status": "graded", "assignment": MNIST.name}
    (tmp_path / "out" / "only").mkdir(parents=True)
    (tmp_path / "out" / "only" / "results.json").write_text('{"score": 2.0, "tests": []}')
    written = outputs.write_class_outputs(submission, {"only": manifest}, BatchSettings(MNIST, tmp_path / "out"))
    assert written.paths["similarity"].read_text().strip() == "first,second,score" and written.notes == []


class _Recorded(execute.Containment):
    """The engine's containment, remembered so that the test can ask what outlived the grading."""

    made: list[execute.Containment] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _Recorded.made.append(self)


def test_ctrl_c_ends_the_grading_in_this_process_and_leaves_nothing(tmp_path, monkeypatch):
    """Ctrl-C (KeyboardInterrupt in the main thread, as SIGINT gives) while the notebook runs: the kernel's whole
    tree is ended, nothing of the grading is left behind, no result is written, and a rerun would grade it."""
    monkeypatch.setattr(execute, "Containment", _Recorded)
    _Recorded.made.clear()
    notebook = honest_light_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    path = tmp_path / "class" / "sleeper.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, path)
    settings = BatchSettings(MNIST, tmp_path / "out")

    def interrupt_once_running() -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            box = _Recorded.made[0] if _Recorded.made else None
            if box is not None and box.kernel is not None:  # the kernel answered: the notebook is running
                time.sleep(2)
                _thread.interrupt_main()
                return
            time.sleep(0.2)

    threading.Thread(target=interrupt_once_running, daemon=True).start()
    started = time.monotonic()
    try:
        outcome = grade_batch(collect([path], MNIST.notebook_name, tmp_path / "staging"), settings)
    except KeyboardInterrupt:
        pytest.fail("the interrupt escaped grade_batch")
    assert outcome.interrupted and outcome.graded == [] and outcome.manifests == {}
    assert time.monotonic() - started < 300, "the sleeping cell was not interrupted"
    assert len(_Recorded.made) == 1
    assert left_behind(_Recorded.made[0].record) == []
    assert not (settings.out / "sleeper" / MANIFEST).exists()


def test_the_judge_is_prepared_beside_the_kernel_and_its_failure_is_the_graders(tmp_path):
    """prepare_judge (the test data, what the tests import) runs while the notebook does; when it fails, the
    submission gets grader-error (not a zero for the student), the reason goes to the instructor, nothing is left."""
    ran = []

    def broken(data_dir) -> None:  # given the folder the kernel gets as /data
        ran.append((threading.current_thread().name, data_dir))
        raise RuntimeError("the test data is missing: run `python -m autograder fetch-data`")

    path = tmp_path / "light.ipynb"
    nbformat.write(honest_light_notebook(), path)
    options = GradingOptions(dataclasses.replace(MNIST.task(), prepare_judge=broken))
    result = grade_submission(path, tmp_path / "out", options)
    assert ran == [("autograder-prepare-judge", MNIST.task().data_dir)]
    assert result.status == Status.GRADER_ERROR and result.score == 0
    assert any("the test data is missing" in note for note in result.instructor_notes)
    assert left_behind(result.containment) == []

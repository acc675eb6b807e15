"""An existing Dask cluster, started the usual way as separate processes, grading real light notebooks.

The scheduler is plain ``dask scheduler`` started outside the repository, so it cannot import the
grader: tasks must not need it. Workers are ``python -m autograder worker ADDRESS`` (the README's
way); a plain ``dask worker`` that cannot import the grader must make ``grade`` refuse clearly
instead of giving every student a grader-error, and a worker that cannot sandbox must make
``grade`` exit non-zero.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat

from autograder.course.assignments import get_assignment
from autograder.course.paths import REPO

from .repo_copy import copy_tracked_tree
from .submissions import honest_light_notebook

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

DASK = Path(sys.executable).with_name("dask")  # the environment's `dask` command
START_SECONDS = 120


def clean_environment(**changes: str) -> dict[str, str]:
    """This environment without anything that would make the grader importable by accident."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "2", **changes}


@contextmanager
def processes():
    """Start processes in their own sessions; on exit, end each one's whole group."""
    started: list[subprocess.Popen] = []

    def start(command: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
        handle = log.open("w")
        started.append(subprocess.Popen(command, cwd=cwd, env=env or clean_environment(), stdout=handle,
                                        stderr=subprocess.STDOUT, start_new_session=True))
        return started[-1]

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def scheduler(start, folder: Path) -> str:
    """A plain `dask scheduler`, run outside the repository; returns its address."""
    info = folder / "scheduler.json"
    start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(info)],
          folder, folder / "scheduler.log")
    deadline = time.monotonic() + START_SECONDS
    while not info.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert info.exists(), (folder / "scheduler.log").read_text()[-2000:]
    return json.loads(info.read_text())["address"]


def wait_for_workers(address: str, count: int) -> None:
    from dask.distributed import Client

    with Client(address, timeout=START_SECONDS) as client:
        client.wait_for_workers(count, timeout=START_SECONDS)


def grade(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "grade", *args], cwd=REPO, env=env or clean_environment(),
                          capture_output=True, text=True, timeout=1800)


def light_class(folder: Path) -> Path:
    """An honest and a buggy light MNIST notebook (as students receive it: with its assignment's name) and a broken file."""
    folder.mkdir()
    for name, changes in (("honest", {}), ("q1_bug", {1: "def reshape_images(images):\n    return images.reshape(-1, 28, 28)"})):
        notebook = honest_light_notebook()
        notebook.metadata["otter"] = {"assignment_name": MNIST.name}
        for index, source in changes.items():
            notebook.cells[index].source = source
        nbformat.write(notebook, folder / f"{name}.ipynb")
    (folder / "broken.ipynb").write_text('{"cells": [')
    return folder


def test_the_scheduler_here_cannot_import_the_grader(tmp_path):
    """The premise of the other tests: outside the repository, this environment has no grader to import."""
    probe = subprocess.run([sys.executable, "-c", "import autograder"], cwd=tmp_path, env=clean_environment(),
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'autograder'" in probe.stderr


def test_an_external_cluster_grades_with_workers_started_from_the_repository(tmp_path):
    submissions = light_class(tmp_path / "class")
    with processes() as start:
        address = scheduler(start, tmp_path)
        for number in range(2):
            start([sys.executable, "-m", "autograder", "worker", address, "--name", f"grader-{number}"], REPO,
                  tmp_path / f"worker-{number}.log")
        wait_for_workers(address, 2)
        run = grade(str(submissions), "--out", str(tmp_path / "out"), "--scheduler", address)
    assert run.returncode == 0, run.stderr[-3000:]
    scores = {r["Submission"]: (r["Total"], r["Status"]) for r in csv.DictReader((tmp_path / "out" / "grades.csv").open())}
    assert scores["honest"] == ("7", "graded") and scores["broken"] == ("0", "unreadable")
    assert float(scores["q1_bug"][0]) < 7 and scores["q1_bug"][1] == "graded"
    manifests = {p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "out").glob("*/grading.json")}
    assert {name: m["assignment"] for name, m in manifests.items()} == {"honest": "mnist_nn", "q1_bug": "mnist_nn",
                                                                       "broken": None}
    assert "grader-error" not in run.stdout and "warning" not in run.stderr


def test_workers_that_cannot_import_the_grader_are_refused_clearly(tmp_path):
    submissions = light_class(tmp_path / "class")
    with processes() as start:
        address = scheduler(start, tmp_path)
        # the review's setup: plain `dask worker`, started from the repository
        start([str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard"], REPO, tmp_path / "worker.log")
        wait_for_workers(address, 1)
        started = time.perf_counter()
        run = grade(str(submissions), "--out", str(tmp_path / "out"), "--scheduler", address)
        seconds = time.perf_counter() - started
    assert run.returncode == 1, run.stderr[-3000:]
    assert "cannot import the grader" in run.stderr and "python -m autograder worker" in run.stderr
    assert "3 submission(s) could not be graded because of the grader or the cluster" in run.stderr
    assert not list((tmp_path / "out").glob("*/results.json")), "nobody may get a zero for the cluster's fault"
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert {r["Status"] for r in rows} == {"not graded"} and len(rows) == 3
    assert seconds < 120, seconds


def test_a_worker_that_cannot_sandbox_makes_grade_fail(tmp_path):
    """And a worker of another grader version is named: every rerun would regrade everything."""
    submissions = light_class(tmp_path / "class")
    other = copy_tracked_tree(tmp_path / "other-revision")
    with (other / "autograder" / "limits.py").open("a") as limits:
        limits.write("\n# another revision of the grader\n")
    with processes() as start:
        address = scheduler(start, tmp_path)
        no_bubblewrap = clean_environment(PATH=str(tmp_path / "empty-bin"))  # bwrap cannot be found
        start([sys.executable, "-m", "autograder", "worker", address], other, tmp_path / "worker.log", env=no_bubblewrap)
        wait_for_workers(address, 1)
        run = grade(str(submissions), "--out", str(tmp_path / "out"), "--scheduler", address, "--no-similarity")
    assert run.returncode == 1, run.stderr[-3000:]
    assert "runs grader" in run.stderr and "install the same repository revision on every worker" in run.stderr
    assert "2 submission(s) could not be graded because of the grader or the cluster" in run.stderr
    assert "honest (no-sandbox)" in run.stderr and "q1_bug (no-sandbox)" in run.stderr
    statuses = {r["Submission"]: r["Status"] for r in csv.DictReader((tmp_path / "out" / "grades.csv").open())}
    assert statuses == {"broken": "unreadable", "honest": "no-sandbox", "q1_bug": "no-sandbox"}
    notes = (tmp_path / "out" / "honest" / "instructor_notes.txt").read_text()
    assert "bubblewrap" in notes

"""The Gradescope autograder zip, built, unpacked and run the way Gradescope runs it.

Each case unpacks the zip into a temporary root laid out like Gradescope's /autograder
(source/, submission/, results/), locks it down with the zip's own lockdown.sh, then runs
the zip's run_autograder with this project's environment (instead of the /autograder/venv
that setup.sh would create). results.json must satisfy a JSON Schema of Gradescope's
specification (autograder/gradescope/gradescope_results.schema.json).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from autograder.course.assignments import ASSIGNMENTS, get_assignment
from autograder.course.master import question_names
from autograder.course.paths import REPO
from autograder.engine.report import gradescope_results
from autograder.engine.results import CaseResult, GradeResult, question_of
from autograder.engine.sandbox import NOBODY
from autograder.gradescope import lock
from autograder.gradescope.container import kernel_memory_limit
from autograder.gradescope.package import GRADING_REQUIREMENTS as GRADING
from autograder.gradescope.package import build_gradescope_zip

from . import broken_files as builders
from .gradescope_run import SCHEMA, graded_tests, gradescope_root, grading_record, run_autograder
from .submissions import honest_light_notebook

MNIST = get_assignment("mnist_nn")  # the lesson these tests are written for

FASHION = ASSIGNMENTS["fashion_nn"]
LOCK = REPO / "requirements.lock"


class ZipShelf(dict):
    """Each assignment's zip, built the first time a test asks for it."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def __missing__(self, name: str) -> Path:
        self[name] = build_gradescope_zip(ASSIGNMENTS[name], self.folder / f"{name}.zip")
        return self[name]


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> ZipShelf:
    return ZipShelf(tmp_path_factory.mktemp("zips"))


def test_zip_holds_what_gradescope_needs_and_no_solution(zips):
    names = set(zipfile.ZipFile(zips["mnist_nn"]).namelist())
    needed = {"setup.sh", "run_autograder", "requirements.lock", "grading-requirements.txt", "otter_config.json"}
    assert needed | {"data/mnist.npz", "autograder/gradescope/lock.py"} <= names
    assert "autograder/release/student/notebook_setup.py" in names  # the notebooks' setup cell imports it
    assert {f"autograder/hidden_tests/mnist_nn/q{i}.py" for i in range(1, 9)} <= names
    assert "autograder/hidden_tests/mnist_nn/cell_times.json" in names  # the per-cell limits (and the build's speed)
    assert not any("solution" in n and n.endswith(".ipynb") for n in names)
    assert not any("fashion" in n for n in names), "one assignment per zip"
    assert "data/fashion_mnist.npz" in zipfile.ZipFile(zips["fashion_nn"]).namelist()


def test_hidden_tests_are_root_only_after_setup(zips, tmp_path):
    root = gradescope_root(zips["mnist_nn"], tmp_path / "autograder")
    hidden = root / "source" / "autograder" / "hidden_tests" / "mnist_nn" / "q7.py"
    as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "cat", str(hidden)]
    denied = subprocess.run(as_nobody, capture_output=True, text=True)
    assert denied.returncode != 0 and "Permission denied" in denied.stderr
    assert hidden.stat().st_mode & 0o077 == 0
    # setup.sh's data check, offline, on the data the zip ships
    fetch = [sys.executable, "-m", "autograder", "fetch-data", "--offline", "--dataset", "mnist"]
    checked = subprocess.run(fetch, cwd=root / "source", capture_output=True, text=True)
    assert checked.returncode == 0 and "mnist verified" in checked.stdout, checked.stderr


def test_results_schema_rejects_what_gradescope_would(tmp_path):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tests": [{"name": "q1", "score": "2"}]}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": 1, "tests": [{"name": "q1", "visibility": "sometimes"}]}, SCHEMA)


def test_each_questions_checks_show_points_that_add_up_to_the_question():
    """Three checks of 2/3 point must not show 2.00001 points in Gradescope (or in a sum of the tests)."""
    thirds = [CaseResult("q6", f"check {i}", 2 / 3 if i < 2 else 0.0, 2 / 3, False, "") for i in range(3)]
    fifths = [CaseResult("q8", f"check {i}", 0.6, 0.6, True, "") for i in range(5)]
    tests = gradescope_results(GradeResult("s", thirds + fifths), {})["tests"]
    assert [t["max_score"] for t in tests] == [0.66667, 0.66667, 0.66666] + [0.6] * 5
    assert [t["score"] for t in tests[:3]] == [0.66667, 0.66667, 0.0]
    for question, points in (("q6", 2), ("q8", 3)):
        shown = [t["max_score"] for t in tests if t["name"].startswith(question)]
        assert round(sum(shown), 9) == points


@pytest.mark.parametrize("assignment", [FASHION, pytest.param(MNIST, marks=pytest.mark.slow)], ids=lambda a: a.name)
def test_reference_gets_full_marks(zips, tmp_path, assignment):
    root = gradescope_root(zips[assignment.name], tmp_path / "autograder")
    shutil.copy2(assignment.solution, root / "submission" / assignment.notebook_name)
    results = run_autograder(root)
    failed = [(t["name"], t["output"]) for t in graded_tests(results) if t["score"] < t["max_score"]]
    assert failed == [] and results["score"] == pytest.approx(sum(t["max_score"] for t in graded_tests(results)), abs=1e-9)
    assert results["score"] == 18
    record = grading_record(results)["output"]
    assert grading_record(results)["status"] == "passed" and "status: graded, 18/18" in record, record


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=lambda a: a.name)
def test_blank_notebook_gets_zero(zips, tmp_path, assignment):
    root = gradescope_root(zips[assignment.name], tmp_path / "autograder")
    shutil.copy2(assignment.student_notebook, root / "submission" / assignment.notebook_name)
    results = run_autograder(root)
    assert results["score"] == 0 and {question_of(t["name"]) for t in graded_tests(results)} == set(
        question_names(assignment.master)
    ), "a check of every question of the master"
    assert all(t["output"] for t in graded_tests(results)), "every check says what went wrong"


def renamed_light_notebook(folder: Path) -> None:
    """An honest notebook saved under a name of the student's own: still found and graded."""
    import nbformat

    nbformat.write(honest_light_notebook(), folder / "my homework (final).ipynb")


@pytest.mark.parametrize(
    "make, status_words",
    [
        (lambda d: builders.invalid_json(d / "mnist_nn.ipynb", honest_light_notebook()), "JSON is broken"),
        (lambda d: builders.not_utf8(d / "mnist_nn.ipynb", honest_light_notebook()), "not UTF-8"),
        (lambda d: (d / "notes.txt").write_text("I could not finish"), "No file was found"),
        (renamed_light_notebook, None),
    ],
    ids=["invalid-json", "utf16", "no-notebook", "renamed-notebook"],
)
def test_broken_submissions_get_valid_results(zips, tmp_path, make, status_words):
    root = gradescope_root(zips["mnist_nn"], tmp_path / "autograder")
    make(root / "submission")
    results = run_autograder(root)
    if status_words is None:
        assert results["score"] == 7
    else:
        assert results["score"] == 0 and status_words in results["output"], results["output"]


def test_a_grader_that_dies_still_leaves_valid_results(zips, tmp_path):
    root = gradescope_root(zips["mnist_nn"], tmp_path / "autograder")
    shutil.copy2(MNIST.student_notebook, root / "submission" / MNIST.notebook_name)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": "/bin/false"}
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True)
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert done.returncode == 0 and results["score"] == 0 and "stopped before it could grade" in results["output"]
    record = grading_record(results)
    assert record["status"] == "failed" and "exit status 1" in record["output"] and "exit status 1" in done.stdout


def test_kernel_memory_fits_the_container():
    gib = 1024**3
    assert kernel_memory_limit(None) == int(2.5 * gib)  # unknown: the profile's default
    assert kernel_memory_limit(2 * gib) == int(2.5 * gib)  # never below what the lesson needs
    assert kernel_memory_limit(3 * gib) == int(2.5 * gib)  # Gradescope's 3 GB: 0.5 GB left for the grader
    assert kernel_memory_limit(16 * gib) == int(15.5 * gib)


def test_a_grader_failure_is_recorded_for_the_instructor(zips, tmp_path):
    """A bad upload (the shipped dataset damaged after setup): the student reads that the instructor
    was told, and the instructor finds the cause in the hidden grading record and the output."""
    root = gradescope_root(zips["mnist_nn"], tmp_path / "autograder")
    data = root / "source" / "data" / "mnist.npz"
    data.write_bytes(data.read_bytes()[: 1 << 20])
    nbformat.write(honest_light_notebook(), root / "submission" / MNIST.notebook_name)
    results = run_autograder(root)
    record = grading_record(results)
    assert results["score"] == 0 and "your instructor has been told" in results["output"]
    assert record["status"] == "failed" and "status: grader-error" in record["output"]
    assert "mnist.npz" in record["output"] and "Traceback" in record["output"], record["output"]


@pytest.mark.parametrize("image, python", list(lock.SUPPORTED_PYTHONS.items()))
def test_lock_pins_each_package_once_per_interpreter(image, python):
    pinned = lock.pins(LOCK.read_text(), python)
    names = [canonicalize_name(Requirement(line).name) for line in GRADING.read_text().splitlines() if line[:1].isalnum()]
    assert set(names) <= set(pinned), f"{image}: grading packages without a pin"
    assert pinned["tensorflow-cpu"] == "2.21.0" and pinned["otter-grader"] == "7.0.0", "one grader on every image"
    # the releases that need a newer Python than the image has (their own Requires-Python)
    assert (Version(pinned["numpy"]) >= Version("2.3")) == (Version(python) >= Version("3.11"))
    assert (pinned["soupsieve"] == "4.1.3") == (Version(python) >= Version("3.11.5"))


def test_lock_refuses_what_pip_would_install_twice_or_loosely(tmp_path):
    with pytest.raises(lock.LockError, match="second pin of numpy"):
        lock.pins('numpy==2.4.6\nnumpy==2.2.6 ; python_version < "3.11"\n', "3.10.12")
    with pytest.raises(lock.LockError, match="not one exact pin"):
        lock.pins("numpy>=2\n")
    assert lock.pins('numpy==2.4.6 ; python_version >= "3.11"\nnumpy==2.2.6 ; python_version < "3.11"\n', "3.10.12") == {
        "numpy": "2.2.6"
    }


def test_lock_check_names_what_is_not_pinned():
    locked = {"numpy": "2.4.6", "keras": "3.15.1"}
    present = {"numpy": "2.4.6", "keras": "3.12.4", "mutmut": "3.8.1", "pip": "26.3"}
    assert lock.differences(locked, present) == [
        "keras 3.12.4 is installed, the lock pins 3.15.1",
        "mutmut 3.8.1 is installed but not pinned",
    ]


def test_a_zip_ships_and_verifies_every_dataset_its_tests_load(tmp_path):
    """An assignment whose tests load two datasets: both verified files and the data helper are shipped, and
    setup.sh's verification step checks each one offline in the unpacked zip."""
    from autograder.course.assignments import Course

    from . import tiny_course

    root = tiny_course.write_course(tmp_path / "course")
    master = root / "solutions" / f"{tiny_course.NAME}.ipynb"
    notebook = nbformat.read(master, as_version=4)
    notebook.metadata["autograder"]["datasets"] = ["mnist", "fashion_mnist"]
    notebook.cells[0].source = notebook.cells[0].source.replace("files: []", "files: [nn_data.py]")
    nbformat.write(notebook, master)
    shutil.copy2(MNIST.course.data_module, root / "solutions" / "nn_data.py")
    assignment = Course(root, data_dir=MNIST.course.data).get(tiny_course.NAME)
    for folder in (assignment.hidden_tests, assignment.public_tests):  # as if built (the zip's contents are the point)
        folder.mkdir(parents=True)
        (folder / "q1.py").write_text("OK_FORMAT = False\nname = 'q1'\npoints = 1\n")
    shutil.copy2(master, assignment.student_notebook)
    zipped = build_gradescope_zip(assignment, tmp_path / "two.zip")
    names = set(zipfile.ZipFile(zipped).namelist())
    assert {"data/mnist.npz", "data/fashion_mnist.npz", "solutions/nn_data.py"} <= names
    setup = zipfile.ZipFile(zipped).read("setup.sh").decode()
    loop = setup[setup.index("for dataset in"):setup.index("done", setup.index("for dataset in")) + 4]
    assert loop.startswith("for dataset in mnist fashion_mnist; do")
    source = gradescope_root(zipped, tmp_path / "autograder") / "source"
    checked = subprocess.run(["bash", "-c", f'set -e; venv={sys.executable}\n{loop}'], cwd=source, capture_output=True,
                             text=True, env={k: v for k, v in os.environ.items() if k != "NN_DATA_DIR"})  # as setup.sh
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "mnist verified" in checked.stdout and "fashion_mnist verified" in checked.stdout

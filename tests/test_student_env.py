"""A student's fresh environment: requirements.txt alone, one assignment folder, the reference answers typed in.

Slow: it installs the student requirements from PyPI into a new virtual environment (pip sees PyPI
only, as a student's does: none of this machine's mirrors, wheel folders or constraints), then, in
a temporary folder laid out as the release lays it out (``course/requirements.txt``,
``course/mnist_nn/``, ``course/data/``: the release's verified data, ``--with-data``), runs the
student notebook with the reference answers typed in through that environment's own ``jupyter
nbconvert`` (its kernel, its packages), as Jupyter Server would (``JPY_SESSION_NAME`` holds the
notebook's path). Every ``grader.check`` must pass, the export must hold exactly that notebook, and
the project's ``grade`` must give the export full marks.

The install time and the environment's size are printed (``-s`` shows them) for the README.
Where this version has the ``release`` command, the folder comes from a real release.
``STUDENT_VENV=PATH`` keeps the environment at PATH: installed there if missing, reused if present
(to rerun the notebook part without reinstalling; nothing else changes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from packaging.utils import canonicalize_name

from autograder.course.assignments import COURSE
from autograder.course.paths import REPO
from autograder.release.install_check import registry_pip_environment

from .reference_answers import with_reference_answers
from .submissions import MNIST
from .test_no_leaks import release_command_exists

pytestmark = pytest.mark.slow

INSTALL_TIMEOUT = 3600
RUN_TIMEOUT = 3600
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)  # this machine's Python 3.11, not the project's venv


def folder_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def student_environment() -> dict[str, str]:
    """A student's shell: PyPI-only pip, and none of the project's own settings (data folder, kernels)."""
    env = registry_pip_environment()
    for key in ("NN_DATA_DIR", "JUPYTER_PATH", "JUPYTER_DATA_DIR", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(key, None)
    return env


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One assignment folder as the release lays it out, with the release's data."""
    root = tmp_path_factory.mktemp("student")
    if release_command_exists():
        release = root / "release"
        done = subprocess.run([sys.executable, "-m", "autograder", "release", "--out", str(release), "--with-data"],
                              cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        source, data = release, release / "data"
    else:
        source, data = COURSE.students, COURSE.data
    course = root / "course"
    course.mkdir()
    shutil.copy2(source / "requirements.txt", course / "requirements.txt")
    shutil.copytree(source / MNIST.name, course / MNIST.name)
    (course / "data").mkdir()
    for dataset in MNIST.datasets:
        shutil.copy2(data / f"{dataset}.npz", course / "data" / f"{dataset}.npz")
    return course


@pytest.fixture(scope="module")
def venv(course, tmp_path_factory):
    """A fresh virtual environment with `pip install -r requirements.txt`, timed and measured."""
    kept = os.environ.get("STUDENT_VENV")
    venv = Path(kept) if kept else tmp_path_factory.mktemp("venv") / ".venv"
    if kept and (venv / "bin" / "python").exists():
        print(f"\nstudent environment: reusing {venv} (STUDENT_VENV)")
        return venv
    env = student_environment()
    started = time.perf_counter()
    subprocess.run([BASE_PYTHON, "-m", "venv", str(venv)], check=True, env=env, timeout=300)
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir", "-r", str(course / "requirements.txt")],
        capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    size = folder_size(venv)
    print(f"\nstudent environment: installed in {seconds:.0f} s, {size / 1e9:.2f} GB ({venv})")
    return venv


@pytest.fixture(scope="module")
def executed(course, venv):
    """The answered notebook, saved, then run top to bottom by the student environment's own nbconvert."""
    folder = course / MNIST.name
    notebook_path = folder / MNIST.notebook_name
    nbformat.write(with_reference_answers(notebook_path, MNIST.solution), notebook_path)
    before = set(folder.glob("*.zip"))
    env = student_environment()
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               JPY_SESSION_NAME=str(notebook_path), JUPYTER_DATA_DIR=str(course.parent / "jupyter-data"))
    started = time.perf_counter()
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "nbconvert", "--to", "notebook", "--execute", "--output", "executed.ipynb",
         f"--ExecutePreprocessor.timeout={RUN_TIMEOUT}", "--ExecutePreprocessor.kernel_name=python3", notebook_path.name],
        cwd=folder, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    print(f"\nthe lesson with the reference answers ran in {time.perf_counter() - started:.0f} s")
    zips = sorted(set(folder.glob("*.zip")) - before)
    return nbformat.read(folder / "executed.ipynb", as_version=4), zips, notebook_path


def output_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_environment_has_the_graders_versions_and_no_grader_only_packages(venv):
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"], capture_output=True,
                          text=True, env=student_environment(), check=True)
    installed = {canonicalize_name(p["name"]): p["version"] for p in json.loads(done.stdout)}
    from autograder.course.paths import LOCK
    from autograder.gradescope.lock import pins

    locked = pins(LOCK.read_text())
    for name in ("tensorflow-cpu", "keras", "numpy", "scikit-learn", "seaborn", "matplotlib", "otter-grader"):
        assert installed.get(name) == locked[name], name
    assert not {"pytest", "dask", "distributed", "mutmut"} & set(installed)


def test_every_check_passes_in_the_students_environment(executed):
    notebook, _, _ = executed
    checks = [c for c in notebook.cells if c.cell_type == "code" and "grader.check(" in c.source]
    assert len(checks) == 8
    for cell in checks:
        text = output_text(cell)
        assert "passed" in text and "failed" not in text.lower(), f"{cell.source}: {text}"
    summary = output_text(next(c for c in notebook.cells if "grader.check_all()" in c.source))
    assert summary.count("passed") >= 8 and "failed" not in summary.lower()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def test_the_export_holds_exactly_the_notebook_that_ran(executed):
    _, zips, notebook_path = executed
    assert len(zips) == 1, f"the export cell wrote {zips}"
    with zipfile.ZipFile(zips[0]) as archive:
        notebooks = [n for n in archive.namelist() if n.endswith(".ipynb")]
        assert notebooks == [MNIST.notebook_name]
        exported = nbformat.reads(archive.read(notebooks[0]).decode(), as_version=4)
    saved = nbformat.read(notebook_path, as_version=4)
    assert [c.source for c in exported.cells] == [c.source for c in saved.cells]


def test_the_export_gets_full_marks_from_the_grader(executed, tmp_path):
    _, zips, _ = executed
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(zips[0]), "--out", str(out), "--assignment", MNIST.name,
         "--workers", "1", "--no-similarity"],
        cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (results,) = out.glob("*/results.json")
    result = json.loads(results.read_text())
    possible = sum(t["max_score"] for t in result["tests"])
    assert result["score"] == 18, [t for t in result["tests"] if t["score"] < t["max_score"]]
    assert possible == pytest.approx(18, abs=1e-9)  # each question's checks add up to its points

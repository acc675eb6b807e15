"""`python -m autograder release`: the student tree copied whole or not at all, COURSE_URL stamped, data added."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.course.assignments import COURSE, Course
from autograder.course.paths import DATA, DATA_MODULE, REPO
from autograder.release import tree
from autograder.release.tree import ReleaseError, release


def files_of(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def course_url_lines(folder) -> list[str]:
    lines = []
    for path in sorted(folder.rglob("*.ipynb")):
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        lines += re.findall(r"^COURSE_URL = .*$", source, flags=re.MULTILINE)
    return lines


@pytest.fixture
def course_copy(tmp_path):
    """A course shipped without masters (as the Gradescope zip ships it), over this repository's data."""
    shutil.copytree(COURSE.students, tmp_path / "course" / "assignment")
    (tmp_path / "course" / "solutions").mkdir()
    shutil.copy2(DATA_MODULE, tmp_path / "course" / "solutions")
    return Course(tmp_path / "course", data_dir=DATA)


def test_a_release_is_the_student_tree_and_its_marker(tmp_path):
    out = tmp_path / "release"
    lines = release(out)
    students = [p for p in COURSE.students.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert set(files_of(out)) == {str(p.relative_to(COURSE.students)) for p in students} | {tree.MARKER}
    assert [line.split("  #")[0] for line in course_url_lines(out)] == ["COURSE_URL = None"] * 2
    assert json.loads((out / tree.MARKER).read_text())["url"] is None
    assert "will not run on Colab" in lines[1]


def test_url_and_data_are_what_depends_on_where_the_release_is_published(tmp_path, course_copy):
    out = tmp_path / "release"
    release(out, "https://example.org/mnist-course", with_data=True, course=course_copy)
    assert {line.split("  #")[0] for line in course_url_lines(out)} == {'COURSE_URL = "https://example.org/mnist-course/"'}
    assert files_of(out / "data") == ["fashion_mnist.npz", "mnist.npz"]
    assert (out / "data" / "mnist.npz").read_bytes() == (DATA / "mnist.npz").read_bytes()
    for bad in ("ftp://example.org/", "https://example.org/a b", 'https://example.org/"+x+"'):
        with pytest.raises(ReleaseError, match="--url should be an http"):
            release(tmp_path / "other", bad, course=course_copy)
    assert not (tmp_path / "other").exists()


def test_a_folder_that_is_not_a_release_is_left_alone(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("mine")
    with pytest.raises(ReleaseError, match="not empty and holds no previous release"):
        release(out)
    assert files_of(out) == ["thesis.tex"]


def test_a_previous_release_is_replaced_whole_but_its_git(tmp_path, course_copy):
    out = tmp_path / "release"
    release(out, course=course_copy)
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (out / "mnist_nn" / "stale.py").write_text("from a removed version")
    release(out, "https://example.org/", course=course_copy)
    assert (out / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert not (out / "mnist_nn" / "stale.py").exists()
    assert json.loads((out / tree.MARKER).read_text())["url"] == "https://example.org/"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "release"]  # no scratch folder left


def test_a_failure_leaves_the_previous_release_as_it_was(tmp_path, course_copy, monkeypatch):
    out = tmp_path / "release"
    release(out, course=course_copy)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tree, "_add_data", full_disk)
    with pytest.raises(ReleaseError, match="No space left on device.*is unchanged"):
        release(out, "https://example.org/", with_data=True, course=course_copy)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "release"]


def test_notebooks_run_in_place_are_not_published(tmp_path, course_copy):
    path = course_copy.students / "mnist_nn" / "mnist_nn.ipynb"
    notebook = nbformat.read(path, as_version=4)
    first = next(c for c in notebook.cells if c.cell_type == "code" and not c.source.startswith("# Set-up"))
    first.execution_count, first.outputs = 3, [nbformat.v4.new_output("stream", text="test accuracy: 0.9790\n")]
    nbformat.write(notebook, path)
    (course_copy.students / "mnist_nn" / "mnist_nn_2026_12_06T20_15_00_123456.zip").write_bytes(b"an export")
    with pytest.raises(ReleaseError, match="mnist_nn/mnist_nn.ipynb has outputs"):
        release(tmp_path / "release", course=course_copy)
    assert not (tmp_path / "release").exists()


def test_the_command_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "release", "--out", str(tmp_path / "r"), "--url", "http://127.0.0.1:8765"],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "COURSE_URL = http://127.0.0.1:8765/" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "autograder", "release", "--out", str(tmp_path / "r" / "mnist_nn")],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert again.returncode == 1 and "error:" in again.stderr and "holds no previous release" in again.stderr

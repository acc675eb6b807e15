"""Gradescope: build the autograder zip.

Gradescope unzips the autograder into ``/autograder/source``, runs ``setup.sh`` there once
when it builds the image (as root, with internet), then for each submission runs
``/autograder/run_autograder``, which must leave ``/autograder/results/results.json``.

The zip mirrors the course's layout (the grading package, the assignment's hidden and public
tests and reference cell times, the files students get beside their notebook, the data helper and
the verified datasets when the assignment loads any (none, one or several), the config, the pinned
packages and the list of those the grader needs), so the grader runs from ``/autograder/source``
unchanged. It holds no solution notebook.
``setup.sh`` makes the source folder root-only; the kernel's unprivileged user sees only
what the sandbox mounts: the datasets (read-only) and copies of the public files.
"""

from __future__ import annotations

import os
import shlex
import tempfile
import zipfile
from pathlib import Path

from ..course.assignments import Assignment, CourseError
from ..course.paths import AUTOGRADER, REPO

TEMPLATES = Path(__file__).parent / "templates"
# The packages setup.sh installs (top-level names; versions from requirements.lock).
GRADING_REQUIREMENTS = Path(__file__).parent / "grading-requirements.txt"
# The parts of the package Gradescope's container runs; batch grading, building and the class
# report stay home. Hidden tests are added per assignment.
SHIPPED_PARTS = ("engine", "course", "gradescope", "release")  # release: the notebooks' setup module and naming rules


def _shipped(path: Path) -> bool:
    parts = path.relative_to(AUTOGRADER).parts
    if "__pycache__" in parts or parts[0] == "hidden_tests":
        return False
    return len(parts) == 1 or parts[0] in SHIPPED_PARTS


def render(template: Path, assignment: Assignment) -> str:
    """A shell script of the zip, with this assignment's name and datasets (none, one or several) filled in."""
    datasets = " ".join(shlex.quote(name) for name in assignment.datasets)
    return template.read_text().replace("@ASSIGNMENT@", assignment.name).replace("@DATASETS@", datasets)


def dataset_files(assignment: Assignment) -> list[Path]:
    """The verified ``.npz`` of every dataset the assignment's tests load, from the course's data folder."""
    if not assignment.datasets:
        return []
    from ..course.data import data_module

    nn_data = data_module(assignment.course.data_module)
    saved = os.environ.get("NN_DATA_DIR")
    os.environ["NN_DATA_DIR"] = str(assignment.course.data)  # the course's data, wherever its helper lives
    try:
        return [nn_data.DATASETS[name].local_arrays(allow_download=False)[1] for name in assignment.datasets]
    except nn_data.DataError as error:  # missing or damaged: the message says how to fetch it
        raise CourseError(f"{assignment.name} ships its datasets, but: {error}") from None
    finally:
        if saved is None:
            del os.environ["NN_DATA_DIR"]
        else:
            os.environ["NN_DATA_DIR"] = saved


def _zip_tree(archive: zipfile.ZipFile, source: Path, arcname: str, pattern: str = "*") -> None:
    for path in sorted(source.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            archive.write(path, f"{arcname}/{path.relative_to(source)}")


def _zip_text(archive: zipfile.ZipFile, name: str, text: str, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    archive.writestr(info, text, zipfile.ZIP_DEFLATED)


def _zip_folder(archive: zipfile.ZipFile, name: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o040755 << 16) | 0x10  # a directory (Unix mode and MS-DOS flag)
    archive.writestr(info, b"")


def build_gradescope_zip(assignment: Assignment, target: Path) -> Path:
    """Write the autograder zip for one assignment; returns its path."""
    course = assignment.course
    assignment.require_built()
    data_files = dataset_files(assignment)  # verified before they are shipped
    # Beside the student's notebook in the sandbox (otter's `files:`), and the helper the grader's tests import.
    helpers = {*assignment.support_files, *([course.data_module] if assignment.datasets else [])}
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for script in TEMPLATES.iterdir():
                _zip_text(archive, script.name, render(script, assignment), 0o755)
            for path in sorted(AUTOGRADER.rglob("*")):
                if path.is_file() and path.suffix in (".py", ".json", "") and _shipped(path):
                    archive.write(path, f"autograder/{path.relative_to(AUTOGRADER)}")
            hidden = f"autograder/hidden_tests/{assignment.name}"
            _zip_tree(archive, assignment.hidden_tests, hidden, "q*.py")
            if assignment.cell_times.is_file():  # the reference's cell times: the per-cell limits (timing.py)
                archive.write(assignment.cell_times, f"{hidden}/{assignment.cell_times.name}")
            _zip_tree(archive, assignment.public_tests, f"assignment/{assignment.name}/tests", "q*.py")
            archive.write(assignment.student_notebook, f"assignment/{assignment.name}/{assignment.notebook_name}")
            for helper in sorted(helpers):
                archive.write(helper, f"solutions/{helper.name}")
            archive.write(course.otter_config, "otter_config.json")
            archive.write(REPO / "requirements.lock", "requirements.lock")
            archive.write(GRADING_REQUIREMENTS, GRADING_REQUIREMENTS.name)
            _zip_folder(archive, "data/")  # mounted read-only into the sandbox, even when the assignment ships no data
            for data_file in data_files:
                archive.write(data_file, f"data/{data_file.name}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

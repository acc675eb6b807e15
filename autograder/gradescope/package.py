"""Gradescope: build the autograder zip.

Gradescope unzips the autograder into ``/autograder/source``, runs ``setup.sh`` there once
when it builds the image (as root, with internet), then for each submission runs
``/autograder/run_autograder``, which must leave ``/autograder/results/results.json``.

The zip mirrors this repository's layout (the grading package, the assignment's hidden and
public tests, the data helper, the verified dataset, the config, the pinned packages and the
list of those the grader needs),
so the grader runs from ``/autograder/source`` unchanged. It holds no solution notebook.
``setup.sh`` makes the source folder root-only; the kernel's unprivileged user sees only
what the sandbox mounts: the dataset (read-only) and copies of the public files.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from ..course.assignments import Assignment
from ..course.paths import AUTOGRADER, DATA, DATA_MODULE, OTTER_CONFIG, REPO

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
    """A shell script of the zip, with this assignment's name and dataset filled in."""
    return template.read_text().replace("@ASSIGNMENT@", assignment.name).replace("@DATASET@", assignment.dataset)


def _zip_tree(archive: zipfile.ZipFile, source: Path, arcname: str, pattern: str = "*") -> None:
    for path in sorted(source.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            archive.write(path, f"{arcname}/{path.relative_to(source)}")


def _zip_text(archive: zipfile.ZipFile, name: str, text: str, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    archive.writestr(info, text, zipfile.ZIP_DEFLATED)


def build_gradescope_zip(assignment: Assignment, target: Path) -> Path:
    """Write the autograder zip for one assignment; returns its path."""
    from ..course.data import data_module

    dataset = data_module().DATASETS[assignment.dataset]
    _, data_file = dataset.local_arrays(allow_download=False)  # verified before it is shipped
    if not assignment.hidden_tests.is_dir() or not any(assignment.hidden_tests.glob("q*.py")):
        raise FileNotFoundError(f"{assignment.hidden_tests} is empty: run `python -m autograder build` first")
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
            _zip_tree(archive, assignment.hidden_tests, f"autograder/hidden_tests/{assignment.name}", "q*.py")
            _zip_tree(archive, assignment.public_tests, f"assignment/{assignment.name}/tests", "q*.py")
            archive.write(assignment.student_notebook, f"assignment/{assignment.name}/{assignment.notebook_name}")
            archive.write(DATA_MODULE, f"solutions/{DATA_MODULE.name}")
            archive.write(OTTER_CONFIG, OTTER_CONFIG.name)
            archive.write(REPO / "requirements.lock", "requirements.lock")
            archive.write(GRADING_REQUIREMENTS, GRADING_REQUIREMENTS.name)
            archive.write(data_file, f"{DATA.name}/{data_file.name}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

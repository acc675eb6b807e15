"""``python -m autograder release``: the student tree, copied to a folder ready to publish.

``build`` generates everything that does not depend on where the course is published into
``assignment/`` (each assignment's folder, and the student files at its top). ``release`` copies
that tree to ``--out`` and adds what does:

* ``--url BASE``: the address the folder will be served from as it is laid out on disk (e.g. a
  repository's raw files); each notebook's ``COURSE_URL = None`` becomes ``COURSE_URL = "BASE/"``,
  so that on Colab the notebook downloads its helper, its checks and its data from there;
* ``--with-data``: the verified datasets in ``data/``, where the notebooks' ``nn_data`` finds them
  (one folder above each notebook) and, on Colab, downloads them from.

The folder is written whole or not at all: it is assembled beside ``--out`` and moved into place.
A non-empty ``--out`` is refused unless it holds a previous release (its ``.course-release.json``);
then everything in it is replaced but its ``.git``, so a release can be committed and pushed as
its own repository. Notebooks that were run in place (outputs, execution counts) are refused:
their outputs would be published.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from ..course.assignments import Course, CourseError
from ..course.data import data_module
from .setup_cell import COURSE_URL_LINE, stamp_course_url

MARKER = ".course-release.json"
KEPT = (".git",)  # what a new release keeps of the previous one in the same folder
SKIPPED_NAMES = {"__pycache__", ".ipynb_checkpoints", ".OTTER_LOG", ".DS_Store", "data", ".course"}
SKIPPED_SUFFIXES = (".pyc", ".zip", ".part")  # caches, students' exports, interrupted downloads
URL = re.compile(r"https?://[^\s\"'\\]+")


class ReleaseError(ValueError):
    """The release cannot be written; the message says what to do."""


def _copy_tree(source: Path, target: Path) -> None:
    """The student tree without what running notebooks in it leaves behind (caches, exports, downloaded data)."""

    def ignored(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIPPED_NAMES or n.endswith(SKIPPED_SUFFIXES)}

    shutil.copytree(source, target, ignore=ignored)


def _check_notebook(path: Path, shown: str) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    ran = [c for c in notebook.cells if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    if ran:
        raise ReleaseError(
            f"{shown} has outputs (it was run where it is generated): regenerate it with "
            "`python -m autograder build`, or clear its outputs, before releasing"
        )
    setup = [c for c in notebook.cells if c.cell_type == "code" and COURSE_URL_LINE.search(c.source)]
    if len(setup) != 1 or len(COURSE_URL_LINE.findall(setup[0].source)) != 1:
        raise ReleaseError(f"{shown} has no setup cell with one 'COURSE_URL = None' line: run `python -m autograder build`")
    return notebook


def _stamp(tree: Path, url: str | None) -> list[str]:
    """Check every notebook of the tree and write the course's address into it; their names."""
    names = []
    for path in sorted(tree.rglob("*.ipynb")):
        shown = str(path.relative_to(tree))
        notebook = _check_notebook(path, shown)
        if url is not None:
            cell = next(c for c in notebook.cells if c.cell_type == "code" and COURSE_URL_LINE.search(c.source))
            cell.source = stamp_course_url(cell.source, url)
            nbformat.write(notebook, path)
        names.append(shown)
    return names


def _add_data(course: Course, target: Path) -> list[str]:
    """Copy the verified datasets the assignments load into target; their file names."""
    needed = sorted({d for a in course.assignments().values() for d in a.datasets})
    if not needed:
        return []
    nn_data = data_module(course.data_module)
    target.mkdir()
    for name in needed:
        dataset = nn_data.DATASETS[name]
        source = course.data / dataset.spec.npz_name
        try:
            nn_data.verify_arrays(nn_data.read_npz(source), str(source), dataset.spec)
        except nn_data.DataError as error:
            raise ReleaseError(f"{name}: {error}") from None
        shutil.copy2(source, target / source.name)
    return [f"{name}.npz" for name in needed]


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out} exists and is not a folder")
    if out.is_dir() and any(p.name not in KEPT for p in out.iterdir()) and not (out / MARKER).is_file():
        raise ReleaseError(
            f"{out} is not empty and holds no previous release ({MARKER}): choose an empty or new folder"
        )


def _move_into_place(tree: Path, out: Path, scratch: Path) -> None:
    """Replace out by tree, keeping out's .git; on failure out is as it was."""
    if not out.exists():
        os.rename(tree, out)
        return
    old = scratch / "previous"
    os.rename(out, old)
    try:
        for name in KEPT:
            if (old / name).exists():
                os.rename(old / name, tree / name)
        os.rename(tree, out)
    except BaseException:
        for name in KEPT:
            if (tree / name).exists() and not (old / name).exists():
                os.rename(tree / name, old / name)
        if not out.exists():
            os.rename(old, out)
        raise


def release(out: Path, url: str | None = None, with_data: bool = False, course: Course | None = None) -> list[str]:
    """Write the student release to out; returns what was written, one line each."""
    from ..course.assignments import COURSE

    course = course or COURSE
    if url is not None and not URL.fullmatch(url):
        raise ReleaseError(f"--url should be an http(s) address without spaces or quotes, not {url!r}")
    source = course.students
    assignments = sorted(course.assignments())
    missing = [n for n in assignments if not (source / n / f"{n}.ipynb").is_file()]
    if not assignments or missing:
        raise ReleaseError(f"no student notebook for {', '.join(missing) or 'any assignment'}: run `python -m autograder build`")
    out = Path(out).absolute()
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.release-", dir=out.parent))  # same filesystem: renames are atomic
    try:
        tree = scratch / "tree"
        _copy_tree(source, tree)
        notebooks = _stamp(tree, url)
        data = _add_data(course, tree / "data") if with_data else []
        base = None if url is None else (url if url.endswith("/") else url + "/")
        record = {"made_by": "python -m autograder release", "url": base, "assignments": assignments, "data": data}
        (tree / MARKER).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        _move_into_place(tree, out, scratch)
    except (OSError, CourseError) as error:
        raise ReleaseError(f"the release could not be written ({error}); {out} is unchanged") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    lines = [f"release written to {out}: {', '.join(notebooks)}"]
    lines.append(f"COURSE_URL = {base}" if base else "COURSE_URL left as None: the notebooks will not run on Colab (use --url)")
    lines.append(f"data: {', '.join(f'data/{d}' for d in data)}" if data else "no data (add it with --with-data)")
    return lines

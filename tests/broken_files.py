"""Broken and hostile files that are not (only) notebooks: each builder writes one submission."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import nbformat

PICKLE_MARKER = Path("/tmp/autograder-otter-log-pwned")


class _TouchMarker:
    def __reduce__(self):
        import os

        return (os.system, (f"touch {PICKLE_MARKER}",))


def invalid_json(path: Path, honest: nbformat.NotebookNode) -> Path:
    path.write_text('{"cells": [{"cell_type": "code", "source": "x = 1"')
    return path


def empty_file(path: Path, honest: nbformat.NotebookNode) -> Path:
    path.write_bytes(b"")
    return path


def not_utf8(path: Path, honest: nbformat.NotebookNode) -> Path:
    path.write_bytes(nbformat.writes(honest).encode("utf-16"))
    return path


def not_a_notebook(path: Path, honest: nbformat.NotebookNode) -> Path:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    return path


def json_but_not_a_notebook(path: Path, honest: nbformat.NotebookNode) -> Path:
    path.write_text(json.dumps([1, 2, 3]))
    return path


def no_cells(path: Path, honest: nbformat.NotebookNode) -> Path:
    nbformat.write(nbformat.v4.new_notebook(), path)
    return path


def nbformat_3(path: Path, honest: nbformat.NotebookNode) -> Path:
    cells = [{"cell_type": "code", "input": c.source, "language": "python", "outputs": [], "metadata": {}}
             for c in honest.cells if c.cell_type == "code"]
    document = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
                "worksheets": [{"cells": cells, "metadata": {}}]}
    path.write_text(json.dumps(document))
    return path


def zip_with_otter_log(path: Path, honest: nbformat.NotebookNode) -> Path:
    path = path.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mnist_nn.ipynb", nbformat.writes(honest))
        archive.writestr(".OTTER_LOG", pickle.dumps([_TouchMarker()]))
        archive.writestr("results.json", json.dumps({"score": 18}))
    return path


def zip_without_notebook(path: Path, honest: nbformat.NotebookNode) -> Path:
    path = path.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("answers.txt", "q1: reshape")
    return path


# builder -> (expected status, regex the student's message must match, whether it is graded honestly)
CASES = {
    invalid_json: ("unreadable", r"JSON is broken at line 1", False),
    empty_file: ("unreadable", r"empty \(0 bytes\)", False),
    not_utf8: ("unreadable", r"not UTF-8 text", False),
    not_a_notebook: ("unreadable", r"not UTF-8 text|not a valid notebook", False),
    json_but_not_a_notebook: ("unreadable", r"not a Jupyter notebook", False),
    no_cells: ("unreadable", r"no code cells", False),
    nbformat_3: ("graded", r"converted from notebook format 3", True),
    zip_with_otter_log: ("graded", r"graded mnist_nn.ipynb from the zip file", True),
    zip_without_notebook: ("unreadable", r"exactly one notebook", False),
}

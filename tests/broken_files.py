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


def zip_of_large_notebooks(path: Path, honest: nbformat.NotebookNode) -> Path:
    """Notebooks of 30 MB each (a 30 kB zip): the load stage reads every notebook of a zip to choose one,
    and held them all, parsed, at once (500 of 64 MB were allowed). Now they may hold 64 MB together."""
    path = path.with_suffix(".zip")
    padded = nbformat.from_dict(json.loads(nbformat.writes(honest)))
    padded.metadata["padding"] = "x" * (30 * 1024**2)
    text = nbformat.writes(padded)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("mnist_nn.ipynb", "Copy of mnist_nn.ipynb", "mnist_nn (1).ipynb"):
            archive.writestr(name, text)
    return path


FORGED = "mnist_nn: 18 / 18"


def zip_names_forge_feedback(path: Path, honest: nbformat.NotebookNode) -> Path:
    """Forty answered copies saved at the same time, named with 2,000 characters and a line of their own
    (a forged score line): the load stage names what it did not grade, and used to name all of them, whole."""
    path = path.with_suffix(".zip")
    text = nbformat.writes(honest)
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(40):
            name = f"{'x' * 2000}\n{FORGED}\nq{number}.ipynb"
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 1, 10, 0, 0)), text)
    return path


def many_small_objects(path: Path, honest: nbformat.NotebookNode) -> Path:
    """A 24 MB notebook of eight million empty JSON objects in its metadata (well inside 64 MB): parsing
    and validating it would have cost the grader about 5 GB; it is refused from a count of its bytes."""
    text = nbformat.writes(honest)
    head, tail = text.split('"metadata": {', 1)
    path.write_text(head + '"metadata": {"padding": [' + ",".join(["{}"] * 8_000_000) + "], " + tail)
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
    zip_of_large_notebooks: ("unreadable", r"hold more than 64 MB together", False),
    many_small_objects: ("unreadable", r"more than 200,000 JSON objects and lists", False),
    # refused (no dates tell them apart), in a message of at most ten short names on one line
    zip_names_forge_feedback: (
        "unreadable", rf"(?ms)\A(?!.*^{FORGED})(?!.{{20000}})(?=.*several notebooks with answers.* and 30 more)", False
    ),
}

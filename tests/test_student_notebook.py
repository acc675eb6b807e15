"""The student notebook's setup cell and export (release/), without training: generation, COURSE_URL,
copies' names, which file is running, the environment check, Colab's downloads from a loopback server,
and a real kernel that runs the setup cell with every network call refused."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from autograder.course.assignments import ASSIGNMENTS, get_assignment
from autograder.course.identify import identified_name
from autograder.course.paths import LOCK, SETUP_MODULE
from autograder.gradescope.lock import pins
from autograder.release import setup_cell
from autograder.release.student import notebook_setup

from .loopback import serving

MNIST = get_assignment("mnist_nn")
COPY_NAMES = ["Copy of mnist_nn.ipynb", "mnist_nn (1).ipynb", "mnist_nn-Copy1.ipynb", "Copy of mnist_nn (2).ipynb",
              "mnist_nn copy 2.ipynb", "mnist_nn - Copy (2).ipynb", "mnist_nn_2026_12_06T20_15_00_123456.zip"]  # fmt: skip


def setup_source(notebook: nbformat.NotebookNode) -> str:
    return next(c.source for c in notebook.cells if c.cell_type == "code")


# ---------------------------------------------------------------- the generated cell and COURSE_URL


def test_grader_versions_come_from_the_lock_per_python():
    table = setup_cell.grader_versions(LOCK.read_text())
    assert list(table) == ["3.10", "3.11+"]
    for python, key in (("3.10.12", "3.10"), ("3.12.3", "3.11+")):
        pinned = pins(LOCK.read_text(), python)
        expected = ", ".join(f"{name} {pinned[name]}" for name in setup_cell.GRADER_PACKAGES)
        assert table[key] == expected
    assert "keras 3.12.4, numpy 2.2.6" in table["3.10"] and "keras 3.15.1, numpy 2.4.6" in table["3.11+"]


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_every_student_notebook_starts_with_the_setup_cell(name):
    assignment = ASSIGNMENTS[name]
    notebook = nbformat.read(assignment.student_notebook, as_version=4)
    first = next(c for c in notebook.cells if c.cell_type == "code")
    assert first.source == setup_cell.setup_cell_source(name, setup_cell.grader_versions(LOCK.read_text()))
    assert first.metadata.get("editable") is False and first.metadata.get("deletable") is False
    whole = "\n".join(c.source for c in notebook.cells)
    assert len(re.findall(r"^COURSE_URL = None", whole, flags=re.MULTILINE)) == 1  # the contract with `release`
    assert "otter.Notebook(" not in whole
    assert (assignment.student_dir / "notebook_setup.py").read_bytes() == SETUP_MODULE.read_bytes()
    assert SETUP_MODULE in assignment.task().support_files  # the grader's sandbox gets its own copy


def test_course_url_is_stamped_once_and_checked():
    source = setup_cell.setup_cell_source("mnist_nn", {"3.11+": "keras 3.15.1"})
    stamped = setup_cell.stamp_course_url(source, "https://example.org/course")
    assert re.search(r'^COURSE_URL = "https://example.org/course/"  #', stamped, flags=re.MULTILINE)
    assert "COURSE_URL = None" not in stamped
    compile(stamped, "setup", "exec")
    with pytest.raises(ValueError, match="exactly one line"):
        setup_cell.stamp_course_url(stamped, "https://example.org/")
    with pytest.raises(ValueError, match="exactly one line"):
        setup_cell.stamp_course_url(source + "\n" + source, "https://example.org/")


class FakeShell:
    """What notebook_setup asks of IPython: its name (Colab's lives in google.colab), its inputs, its namespace."""

    def __init__(self, name: str = "ipykernel.zmqshell.ZMQInteractiveShell", history: list[str] | None = None):
        self.name, self.user_ns = name, {}
        self.history_manager = SimpleNamespace(input_hist_raw=["", *(history or [])])

    def __str__(self) -> str:
        return f"<{self.name} object at 0x0>"


def test_on_colab_without_course_url_the_cell_says_to_ask_for_the_colab_link(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = setup_source(nbformat.read(MNIST.student_notebook, as_version=4))
    colab = FakeShell("google.colab._shell.Shell")
    with pytest.raises(RuntimeError, match="Ask your instructor for the course's Colab link"):
        exec(compile(source, "setup", "exec"), {"get_ipython": lambda: colab})
    assert list(tmp_path.iterdir()) == []


def test_on_colab_an_unreachable_course_url_is_said_in_students_terms(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = setup_cell.stamp_course_url(setup_source(nbformat.read(MNIST.student_notebook, as_version=4)), "http://127.0.0.1:9/")
    colab = FakeShell("google.colab._shell.Shell")
    with pytest.raises(RuntimeError, match="Check your internet connection"):
        exec(compile(source, "setup", "exec"), {"get_ipython": lambda: colab})
    assert list(tmp_path.iterdir()) == []  # no partial download left


# ---------------------------------------------------------------- copies: names, the running file, unsaved work


@pytest.mark.parametrize("name", COPY_NAMES)
def test_copies_are_named_after_their_assignment(name):
    assert notebook_setup.assignment_stem(name) == "mnist_nn"
    assert identified_name(nbformat.v4.new_notebook(), name, [a.student_notebook for a in ASSIGNMENTS.values()]) == "mnist_nn"


def test_other_names_are_not_taken_for_copies():
    assert notebook_setup.assignment_stem("fashion_nn (1).ipynb") == "fashion_nn"
    assert notebook_setup.assignment_stem("my mnist_nn notes.ipynb") == "my mnist_nn notes"
    assert identified_name(nbformat.v4.new_notebook(), "homework.ipynb", [MNIST.student_notebook]) is None


def _write(path: Path, sources: list[str], counts: list[int | None] | None = None, claim: str | None = None) -> Path:
    notebook = nbformat.v4.new_notebook()
    counts = counts or [None] * len(sources)
    notebook.cells = [nbformat.v4.new_code_cell(s, execution_count=n) for s, n in zip(sources, counts, strict=True)]
    if claim:
        notebook.metadata["otter"] = {"assignment_name": claim}
    nbformat.write(notebook, path)
    return path


def test_the_running_notebook_is_the_one_jupyter_server_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    original = _write(tmp_path / "mnist_nn.ipynb", ["x = ..."])
    copy = _write(tmp_path / "Copy of mnist_nn.ipynb", ["x = 1"])
    for named in (str(copy), "course/Copy of mnist_nn.ipynb", copy.name):  # absolute, from the server's root, bare
        monkeypatch.setenv("JPY_SESSION_NAME", named)
        assert notebook_setup.running_notebook("mnist_nn", FakeShell()) == (copy, [copy, original])


def test_without_jupyter_server_one_copy_is_used_and_several_are_not_guessed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _write(tmp_path / "notes.ipynb", ["y = 2"])
    renamed = _write(tmp_path / "homework.ipynb", ["x = 1"], claim="mnist_nn")  # otter's metadata names it
    assert notebook_setup.running_notebook("mnist_nn", FakeShell()) == (renamed, [renamed])
    original = _write(tmp_path / "mnist_nn.ipynb", ["x = ..."])
    assert notebook_setup.running_notebook("mnist_nn", FakeShell()) == (None, [renamed, original])
    # A file saved from this kernel's own runs (same execution numbers, same code) is the running one.
    _write(renamed, ["x = 1", "z = 3"], counts=[1, 2], claim="mnist_nn")
    assert notebook_setup.running_notebook("mnist_nn", FakeShell(history=["x = 1", "z = 3"])) == (renamed, [renamed, original])


def test_unsaved_runs_are_the_runs_whose_code_the_file_does_not_hold(tmp_path):
    path = _write(tmp_path / "mnist_nn.ipynb", ["a = 1", "b = 2"], counts=[1, 2])
    export = "grader.export(pdf=False)"
    assert notebook_setup.unsaved_runs(path, FakeShell(history=["a = 1", "b = 2", export])) == []  # saved, then exported
    assert notebook_setup.unsaved_runs(path, FakeShell(history=["a = 1", "b = 2", "b = 2", export])) == []  # re-ran saved code
    assert notebook_setup.unsaved_runs(path, FakeShell(history=["a = 1", "b = 2", "b = 3", export])) == [3]  # edited, not saved
    blank = _write(tmp_path / "blank.ipynb", ["a = ...", "b = ..."])  # never saved with answers
    assert notebook_setup.unsaved_runs(blank, FakeShell(history=["a = 1", "b = 2", export])) == [1, 2]
    assert notebook_setup.unsaved_runs(blank, FakeShell(history=["a = ...", "b = ...", export])) == []
    older_session = _write(tmp_path / "older.ipynb", ["a = 1"], counts=[40])  # saved by a kernel that ran further
    assert notebook_setup.unsaved_runs(older_session, FakeShell(history=["a = 2", export])) == []  # cannot tell: no claim


def _export_here(monkeypatch, history: list[str], **kwargs) -> None:
    """The export cell as the kernel whose inputs were history runs it (in this process, otter's real export)."""
    shell = FakeShell(history=history)
    monkeypatch.setattr(notebook_setup, "shell", lambda: shell)
    notebook_setup.grader_class()(None, "mnist_nn").export(pdf=False, **kwargs)


def test_the_export_says_save_first_when_the_file_is_older_than_what_ran(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _write(tmp_path / "mnist_nn.ipynb", ["a = ...", "grader.export(pdf=False)"], claim="mnist_nn")
    _export_here(monkeypatch, ["a = 1", "grader.export(pdf=False)"])
    assert "Save first: mnist_nn.ipynb on disk is older than what you ran (cell 1" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.zip"))
    _export_here(monkeypatch, ["a = 1", "grader.export(pdf=False)"], unsaved_ok=True)  # the student insists
    assert "Exporting mnist_nn.ipynb" in capsys.readouterr().out and len(list(tmp_path.glob("*.zip"))) == 1


def test_after_save_as_the_export_packs_the_file_that_holds_what_ran(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    started_with = _write(tmp_path / "mnist_nn.ipynb", ["a = ...", "grader.export(pdf=False)"])
    _write(tmp_path / "mnist_nn (1).ipynb", ["a = 1", "grader.export(pdf=False)"], counts=[1, None])
    monkeypatch.setenv("JPY_SESSION_NAME", str(started_with))  # Jupyter keeps the name the kernel started with
    _export_here(monkeypatch, ["a = 1", "grader.export(pdf=False)"])
    assert "mnist_nn.ipynb is not what you ran; mnist_nn (1).ipynb is" in capsys.readouterr().out
    [exported] = tmp_path.glob("*.zip")
    assert exported.name.startswith("mnist_nn (1)_") and "mnist_nn (1).ipynb" in zipfile.ZipFile(exported).namelist()


# ---------------------------------------------------------------- the environment check


def _with_versions(monkeypatch, **versions):
    monkeypatch.setattr(notebook_setup, "_version_of", lambda package: versions.get(package))


GRADER = setup_cell.grader_versions(LOCK.read_text())


def test_the_graders_own_versions_give_no_warning(monkeypatch):
    for python in ((3, 10), (3, 12)):
        own = notebook_setup.grader_for_this_python(notebook_setup.parse_grader_versions(GRADER), python)
        _with_versions(monkeypatch, **own)
        assert notebook_setup.environment_notes(GRADER, python) == []


def test_colabs_versions_get_a_note_on_minor_versions_only(monkeypatch):
    _with_versions(monkeypatch, tensorflow="2.20.0", keras="3.13.0", numpy="2.1.3")
    lines = notebook_setup.environment_notes(GRADER, (3, 12))
    assert len(lines) == 1 and lines[0].startswith("Note:")
    assert "TensorFlow 2.20.0 (autograder: 2.21.0)" in lines[0] and "Keras 3.13.0 (autograder: 3.12.4 or 3.15.1)" in lines[0]
    assert "NumPy 2.1.3" in lines[0] and "rarely change" in lines[0]


def test_keras_2_and_numpy_1_are_warned_about_and_say_why(monkeypatch):
    _with_versions(monkeypatch, tensorflow="2.15.1", keras="2.15.0", numpy="1.26.4")
    text = "\n".join(notebook_setup.environment_notes(GRADER, (3, 11)))
    assert text.startswith("Warning:")
    assert "Keras 2.15.0 is installed, the autograder uses Keras 3.12.4 or 3.15.1" in text and "Keras 2 and Keras 3" in text
    assert "NumPy 1.26.4 is installed" in text and "NumPy 1 and NumPy 2" in text
    assert "TensorFlow 2.15.1 (autograder: 2.21.0)" in text  # a minor difference: a note
    assert "requirements.txt" in text and "keep working" in text  # never blocks


def test_a_missing_package_the_notebook_imports_is_named(tmp_path):
    cells = ["import numpy as np\nimport seaborn_not_here as sns", "from sklearn import metrics"]
    notebook = _write(tmp_path / "mnist_nn.ipynb", cells)
    (tmp_path / "nn_data.py").write_text("")
    assert notebook_setup.missing_modules(notebook) == ["seaborn_not_here"]


# ---------------------------------------------------------------- Colab: the course's files from where it is published


def test_colab_downloads_the_helper_and_the_public_tests_the_notebook_checks(tmp_path, monkeypatch):
    published = tmp_path / "release"
    shutil.copytree(MNIST.student_dir, published / "mnist_nn")
    work = tmp_path / "content"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv(notebook_setup.DATA_URL_VARIABLE, "")  # restored (unset) after the test
    monkeypatch.delenv(notebook_setup.DATA_URL_VARIABLE)
    with serving(published) as url:
        notebook_setup.fetch_course_files("mnist_nn", url)
        assert os.environ[notebook_setup.DATA_URL_VARIABLE] == f"{url}data/"
        with pytest.raises(notebook_setup.SetupError, match=r"HTTP 404.*Check your internet connection.*tell your instructor"):
            notebook_setup.fetch_course_files("fashion_nn", url)
    fetched = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file() and ".course" not in p.parts)
    assert fetched == ["nn_data.py", *(f"tests/q{i}.py" for i in range(1, 9))]
    assert (work / "tests" / "q1.py").read_bytes() == (MNIST.public_tests / "q1.py").read_bytes()
    with pytest.raises(notebook_setup.SetupError, match="Ask your instructor for the course's Colab link"):
        notebook_setup.fetch_course_files("mnist_nn", None)


# ---------------------------------------------------------------- a real kernel: laptop, hub, grader's sandbox


NETWORK_GUARD = '''
import socket, subprocess
_calls = []
def _refuse(*args, **kwargs):
    _calls.append(args[:2])
    raise OSError("network refused by the test")
socket.socket.connect = socket.create_connection = socket.getaddrinfo = _refuse
_popen = subprocess.Popen.__init__
def _no_pip(self, args, *a, **k):
    if "pip" in str(args):
        _calls.append(("pip", str(args)))
    return _popen(self, args, *a, **k)
subprocess.Popen.__init__ = _no_pip
'''


REPORT = 'import os\nprint(type(grader).__name__, repr(grader._notebook), _calls, "NN_DATA_URL" in os.environ)'


def test_the_setup_cell_outside_colab_uses_no_network_and_starts_the_grader(tmp_path):
    """As in the grader's sandbox or on a laptop: a stamped COURSE_URL changes nothing there."""
    from nbclient import NotebookClient

    work = tmp_path / "mnist_nn"
    shutil.copytree(MNIST.student_dir, work)
    notebook = nbformat.read(work / "mnist_nn.ipynb", as_version=4)
    first = next(c for c in notebook.cells if c.cell_type == "code")
    first.source = setup_cell.stamp_course_url(first.source, "http://127.0.0.1:9/")
    nbformat.write(notebook, work / "mnist_nn.ipynb")
    probe = nbformat.v4.new_notebook()
    probe.cells = [
        nbformat.v4.new_code_cell(NETWORK_GUARD),
        first,
        nbformat.v4.new_code_cell(REPORT),
        nbformat.v4.new_code_cell('grader.check("q1")'),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JPY_") and k != notebook_setup.DATA_URL_VARIABLE}
    NotebookClient(probe, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(work)}}).execute(env=env)
    outputs = [o for c in probe.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"], outputs
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Grader 'mnist_nn.ipynb' [] False" in printed  # no call, nothing for nn_data to download from
    assert "Warning" not in printed  # this environment is the grader's
    check = next(o for o in probe.cells[3].outputs if o.output_type == "execute_result")
    assert "q1 results" in json.dumps(check["data"])  # the grader's public checks run (they fail: nothing answered)
    assert sorted(p.name for p in work.iterdir()) == sorted([*(p.name for p in MNIST.student_dir.iterdir()), ".OTTER_LOG"])


def test_the_student_module_runs_on_old_pythons():
    """Students' Pythons may be older than the grader's: the shipped module avoids newer syntax."""
    import ast

    tree = ast.parse(SETUP_MODULE.read_text(), feature_version=(3, 9))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Match)]
    assert sys.version_info >= (3, 9)

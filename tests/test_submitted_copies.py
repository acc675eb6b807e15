"""Renamed and duplicated notebooks: which file the grader grades (load stage, Gradescope's folder),
and a renamed copy run top to bottom beside the untouched original, as Jupyter Server runs it."""

from __future__ import annotations

import json
import os
import shutil
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.classroom.collect import _pack_folder
from autograder.course.assignments import get_assignment
from autograder.engine.load import Expected, SubmissionError, WrongAssignment, load_submission, notebook_in_folder
from autograder.engine.pipeline import _check_assignment
from autograder.gradescope.container import _submitted_file

from .reference_answers import with_reference_answers

MNIST = get_assignment("mnist_nn")
FASHION = get_assignment("fashion_nn")


def expected(assignment=MNIST) -> Expected:
    return assignment.task().expected()


def blank(assignment=MNIST) -> str:
    return assignment.student_notebook.read_text()


def answered(assignment=MNIST) -> str:
    return nbformat.writes(with_reference_answers(assignment.student_notebook, assignment.solution))


def zipped(path: Path, members: dict[str, str], dates: dict[str, tuple] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(dates or {}).get(name, (2026, 12, 1, 10, 0, 0))), text)
    return path


def graded_code(loaded) -> str:
    return "\n".join(c.source for c in loaded.notebook.cells if c.cell_type == "code")


# ---------------------------------------------------------------- the load stage's choice


def test_the_answered_copy_is_graded_not_the_blank_original(tmp_path):
    path = zipped(tmp_path / "submission.zip", {"mnist_nn.ipynb": blank(), "Copy of mnist_nn.ipynb": answered()})
    loaded = load_submission(path, expected())
    assert "images.reshape(len(images), -1)" in graded_code(loaded)
    assert loaded.notes == ["graded Copy of mnist_nn.ipynb; not graded: mnist_nn.ipynb (no answers: as distributed)"]


def test_two_answered_copies_are_refused_by_name_unless_their_dates_tell(tmp_path):
    members = {"mnist_nn.ipynb": answered(), "mnist_nn (1).ipynb": answered().replace("-1)", "784)")}
    with pytest.raises(SubmissionError, match=r"several notebooks with answers: mnist_nn.ipynb, mnist_nn \(1\).ipynb"):
        load_submission(zipped(tmp_path / "same.zip", members), expected())
    dates = {"mnist_nn.ipynb": (2026, 12, 1, 10, 0, 0), "mnist_nn (1).ipynb": (2026, 12, 1, 11, 0, 0)}
    loaded = load_submission(zipped(tmp_path / "dated.zip", members, dates), expected())
    assert "reshape(len(images), 784)" in graded_code(loaded)
    assert loaded.notes == ["graded mnist_nn (1).ipynb; not graded: mnist_nn.ipynb (saved earlier)"]


def test_another_assignments_notebook_and_a_broken_file_are_passed_over(tmp_path):
    members = {"fashion_nn.ipynb": answered(FASHION), "notes.ipynb": "{not json", "work/mnist_nn-Copy1.ipynb": answered()}
    loaded = load_submission(zipped(tmp_path / "mixed.zip", members), expected())
    assert "images.reshape(len(images), -1)" in graded_code(loaded)
    assert loaded.notes == [
        "graded work/mnist_nn-Copy1.ipynb; not graded: fashion_nn.ipynb (the fashion_nn assignment), "
        "notes.ipynb (not a readable notebook)"
    ]


def test_only_blank_notebooks_grade_the_one_named_like_the_assignment(tmp_path):
    members = {"Copy of mnist_nn.ipynb": blank(), "mnist_nn.ipynb": blank()}
    loaded = load_submission(zipped(tmp_path / "blank.zip", members), expected())
    assert loaded.notes == ["graded mnist_nn.ipynb; not graded: Copy of mnist_nn.ipynb (no answers: as distributed)"]


def test_one_notebook_in_a_zip_is_graded_whatever_its_name(tmp_path):
    loaded = load_submission(zipped(tmp_path / "one.zip", {"Copy of mnist_nn.ipynb": answered()}), expected())
    assert loaded.notes == ["graded Copy of mnist_nn.ipynb from the zip file"]


def test_a_zip_is_identified_by_the_notebook_it_holds_not_by_its_own_name(tmp_path):
    """An MNIST notebook without otter's metadata, in a zip a student named fashion_nn.zip: the
    notebook's own name (and code) say which assignment it is."""
    notebook = nbformat.reads(answered(), as_version=4)
    del notebook.metadata["otter"]
    path = zipped(tmp_path / "fashion_nn.zip", {"mnist_nn.ipynb": nbformat.writes(notebook)})
    loaded = load_submission(path, expected())
    assert loaded.file_name == "mnist_nn.ipynb"
    _check_assignment(loaded.notebook, loaded.file_name, MNIST.task())  # graded as what it is
    with pytest.raises(WrongAssignment, match="is the mnist_nn assignment"):
        _check_assignment(loaded.notebook, loaded.file_name, FASHION.task())


def test_without_the_courses_answers_the_name_decides_or_nothing(tmp_path):
    path = zipped(tmp_path / "two.zip", {"mnist_nn.ipynb": blank(), "Copy of mnist_nn.ipynb": answered()})
    assert load_submission(path, "mnist_nn.ipynb").notes == ["graded mnist_nn.ipynb from the zip file"]  # names only
    path = zipped(tmp_path / "copies.zip", {"a.ipynb": blank(), "b.ipynb": answered()})
    with pytest.raises(SubmissionError, match="exactly one notebook"):
        load_submission(path, "mnist_nn.ipynb")


def test_a_colab_download_is_accepted(tmp_path):
    """Colab's download: its own metadata, cell ids and metadata, outputs dropped, a copy's name."""
    notebook = nbformat.reads(answered(), as_version=4)
    notebook.metadata["colab"] = {"provenance": [], "name": "Copy of mnist_nn.ipynb"}
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["accelerator"] = "GPU"
    for cell in notebook.cells:
        cell.metadata["id"] = "colab-" + cell.get("id", "x")
        if cell.cell_type == "code":
            cell.metadata["colab"] = {"base_uri": "https://localhost:8080/"}
    path = tmp_path / "Copy of mnist_nn.ipynb"
    nbformat.write(notebook, path)
    loaded = load_submission(path, expected())
    assert "images.reshape(len(images), -1)" in graded_code(loaded)
    assert MNIST.task().identify(loaded.notebook, path.name) == "mnist_nn"


# ---------------------------------------------------------------- Gradescope: a folder of uploads


def test_gradescope_packs_several_uploaded_notebooks_for_the_load_stage(tmp_path):
    uploads = tmp_path / "submission"
    uploads.mkdir()
    (uploads / "mnist_nn.ipynb").write_text(blank())
    assert notebook_in_folder(uploads) == uploads / "mnist_nn.ipynb"
    (uploads / "Copy of mnist_nn.ipynb").write_text(answered())
    assert notebook_in_folder(uploads) is None  # a choice to make: not by name
    staging = tmp_path / "staging"
    staging.mkdir()
    packed = _submitted_file(uploads, "mnist_nn.ipynb", staging)
    assert packed.parent == staging and sorted(zipfile.ZipFile(packed).namelist()) == ["Copy of mnist_nn.ipynb", "mnist_nn.ipynb"]
    loaded = load_submission(packed, expected())
    assert loaded.notes[0].startswith("graded Copy of mnist_nn.ipynb; not graded: mnist_nn.ipynb")


def test_a_notebook_linked_from_elsewhere_is_never_read(tmp_path):
    """A student's folder (a Git repository submitted as it is) with a symbolic link named like the notebook,
    to an answered notebook elsewhere on the grading machine (a solution, another student's): never graded."""
    elsewhere = tmp_path / "solutions"
    elsewhere.mkdir()
    (elsewhere / "mnist_nn.ipynb").write_text(answered())
    uploads = tmp_path / "submission"
    uploads.mkdir()
    (uploads / "mnist_nn.ipynb").symlink_to(elsewhere / "mnist_nn.ipynb")
    (uploads / "nested").mkdir()
    (uploads / "nested" / "Copy of mnist_nn.ipynb").symlink_to(elsewhere / "mnist_nn.ipynb")
    staging = tmp_path / "staging"
    staging.mkdir()
    assert notebook_in_folder(uploads) is None
    with pytest.raises(SubmissionError, match="found: none"):
        load_submission(_submitted_file(uploads, "mnist_nn.ipynb", staging), expected())
    assert zipfile.ZipFile(_pack_folder(uploads, staging / "class.zip")).namelist() == []
    (uploads / "mine.ipynb").write_text(blank())  # beside the student's own notebook the links are not candidates
    assert notebook_in_folder(uploads) == uploads / "mine.ipynb"


def test_a_zips_long_names_are_read_in_linear_time(tmp_path):
    """A zip's member names may have 65,535 characters (a file system's, 255): a run of spaces in one made the
    copy-name patterns (\\s*\\(\\d+\\)$, tried at every position) take quadratic time, minutes per name."""
    names = {f"a{' ' * 60000}b{number}.ipynb": answered() for number in range(2)}
    started = time.monotonic()
    with pytest.raises(SubmissionError, match="several notebooks with answers"):
        load_submission(zipped(tmp_path / "s.zip", names), expected())
    assert time.monotonic() - started < 10


def test_a_garbled_zip_date_is_an_unknown_date(tmp_path):
    """A zip's dates are the student's bytes: month 15 leaves the choice to the names, not a crash."""
    path = zipped(tmp_path / "s.zip", {"mnist_nn.ipynb": answered(), "Copy of mnist_nn.ipynb": answered()},
                  {"mnist_nn.ipynb": (2026, 15, 31, 23, 59, 58), "Copy of mnist_nn.ipynb": (2026, 12, 1, 10, 0, 0)})
    with pytest.raises(SubmissionError, match="several notebooks with answers"):
        load_submission(path, expected())


# ---------------------------------------------------------------- a renamed copy in a kernel started as Jupyter Server starts one


def run_as_jupyter_server(path: Path, session_name: str | None) -> nbformat.NotebookNode:
    """Execute the notebook at path in the project's kernel, in its folder, with JPY_SESSION_NAME as
    Jupyter Server sets it (the notebook's path), or unset; the data from the course's own folder."""
    from nbclient import NotebookClient

    from autograder.course.data import QUIET_TENSORFLOW

    notebook = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JPY_") and k != "NN_DATA_URL"}
    env.update(QUIET_TENSORFLOW, NN_DATA_DIR=str(MNIST.course.data))
    if session_name is not None:
        env["JPY_SESSION_NAME"] = session_name
    client = NotebookClient(notebook, kernel_name="python3", timeout=900, resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)
    return notebook


def printed(notebook: nbformat.NotebookNode, cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


def until_check(notebook_text: str, question: str) -> str:
    """The notebook up to its check of question, then its export cell: a run without training."""
    notebook = nbformat.reads(notebook_text, as_version=4)
    cut = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.source == f'grader.check("{question}")')
    export = [c for c in notebook.cells if c.cell_type == "code"][-1]
    notebook.cells = [*notebook.cells[: cut + 1], export]
    return nbformat.writes(notebook)


def student_folder(root: Path, copy_text: str) -> tuple[Path, Path]:
    """The student's folder: the untouched original and their answered copy (saved, as Jupyter saves a duplicate)."""
    folder = root / "mnist_nn"
    shutil.copytree(MNIST.student_dir, folder)
    copy = folder / "Copy of mnist_nn.ipynb"
    copy.write_text(copy_text)
    return folder, copy


def assert_exported_the_copy(folder: Path, executed: nbformat.NotebookNode, checks: int) -> None:
    ran = [c for c in executed.cells if c.cell_type == "code" and c.source.startswith("grader.check")]
    results = [json.dumps(c.outputs) for c in ran]
    assert len(ran) == checks and all("All test cases passed" in r for r in results), results
    export = [c for c in executed.cells if c.cell_type == "code"][-1]
    assert "Exporting Copy of mnist_nn.ipynb, the notebook you are running." in printed(executed, export)
    zips = sorted(folder.glob("*.zip"))
    assert [z.name.startswith("Copy of mnist_nn_") for z in zips] == [True]
    with zipfile.ZipFile(zips[0]) as archive:
        notebooks = [n for n in archive.namelist() if n.endswith(".ipynb")]
        assert notebooks == ["Copy of mnist_nn.ipynb"]
        inside = nbformat.reads(archive.read(notebooks[0]).decode(), as_version=4)
    code = "\n".join(c.source for c in inside.cells if c.cell_type == "code")
    assert "images.reshape(len(images), -1)" in code and "np.eye(num_classes" in code  # the copy's answers
    assert nbformat.read(folder / "mnist_nn.ipynb", as_version=4) == nbformat.read(MNIST.student_notebook, as_version=4)


@pytest.fixture(scope="module")
def light_copy_run(tmp_path_factory):
    """The copy, answered up to q3 (no training), run with JPY_SESSION_NAME naming it (once for the module)."""
    folder, copy = student_folder(tmp_path_factory.mktemp("student"), until_check(answered(), "q3"))
    return folder, copy, run_as_jupyter_server(copy, str(copy))


def test_a_renamed_copy_exports_itself_not_the_original(light_copy_run):
    folder, _, executed = light_copy_run
    assert_exported_the_copy(folder, executed, checks=3)


@pytest.mark.slow
def test_a_renamed_copy_run_top_to_bottom_passes_every_check_and_exports_itself(tmp_path):
    folder, copy = student_folder(tmp_path, answered())
    executed = run_as_jupyter_server(copy, str(copy))
    assert_exported_the_copy(folder, executed, checks=9)  # q1-q8 and check_all
    inside = zipfile.ZipFile(next(folder.glob("*.zip"))).read("Copy of mnist_nn.ipynb").decode()
    assert "total_params = (784 * 784" in inside


def test_without_the_session_name_the_export_names_the_files_instead_of_guessing(light_copy_run, tmp_path):
    folder, _, _ = light_copy_run
    light = tmp_path / "mnist_nn"
    shutil.copytree(folder, light, ignore=shutil.ignore_patterns("*.zip", ".OTTER_LOG"))
    copy = light / "Copy of mnist_nn.ipynb"
    notebook = nbformat.reads(answered(), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    notebook.cells = [code[0], code[-1]]  # the setup cell and the export cell: which file is running is all that matters
    nbformat.write(notebook, copy)
    executed = run_as_jupyter_server(copy, None)
    said = printed(executed, [c for c in executed.cells if c.cell_type == "code"][-1])
    assert 'Not exported: this folder holds several notebooks ("Copy of mnist_nn.ipynb", "mnist_nn.ipynb")' in said
    assert not list(light.glob("*.zip"))

"""The student tree's own files do what they say: .gitignore, Binder's configuration, the student README."""

from __future__ import annotations

import subprocess

from autograder.course.assignments import COURSE
from autograder.release.requirements import PLATFORMS

TREE = COURSE.students


def test_gitignore_leaves_out_what_working_writes_and_keeps_the_course(tmp_path):
    """Checked by git itself, in a repository laid out like a published tree after a student worked in it."""
    (tmp_path / ".gitignore").write_text((TREE / ".gitignore").read_text())
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    ignored = ["mnist_nn/mnist_nn_2026_12_06T10_00_00_000000.zip", "mnist_nn/data/mnist.npz", "data/downloads/x.whl",
               "mnist_nn/.ipynb_checkpoints/mnist_nn-checkpoint.ipynb", ".venv/bin/python", "mnist_nn/__pycache__/a.pyc",
               "mnist_nn/.OTTER_LOG"]
    kept = ["data/mnist.npz", "mnist_nn/mnist_nn.ipynb", "mnist_nn/nn_data.py", "mnist_nn/tests/q1.py",
            "requirements.txt", "binder/postBuild", "README.md"]
    for name in ignored + kept:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    done = subprocess.run(["git", "-C", str(tmp_path), "check-ignore", *ignored, *kept], capture_output=True, text=True)
    assert sorted(done.stdout.split()) == sorted(ignored)


def test_binder_installs_the_student_requirements_on_the_graders_python():
    assert (TREE / "binder" / "requirements.txt").read_text() == (TREE / "requirements.txt").read_text()
    assert (TREE / "binder" / "runtime.txt").read_text() == "python-3.11\n"


def test_binder_post_build_fetches_each_assignments_datasets():
    script = TREE / "binder" / "postBuild"
    assert script.stat().st_mode & 0o111, "repo2docker runs postBuild only if it is executable"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = script.read_text()
    for assignment in COURSE.assignments().values():
        for dataset in assignment.datasets:
            assert f"(cd {assignment.name} && python -c 'import nn_data; nn_data.{dataset}.load_data()')" in text
    assert text.rstrip().endswith("exit 0")  # a failed download never fails Binder's build


def test_student_readme_covers_every_assignment_platform_and_way_to_submit():
    text = (TREE / "README.md").read_text()
    for assignment in COURSE.assignments().values():
        assert f"`{assignment.name}/{assignment.notebook_name}`" in text and assignment.title in text
    for platform in PLATFORMS:
        assert f"| {platform.name} |" in text
    for words in ("JupyterHub", "Colab", "Binder", "pip install -r requirements.txt", "jupyter lab",
                  "File > Download > Download .ipynb", "export cell", "Gradescope"):
        assert words in text, words
    assert "python -m autograder" not in text and "setup.sh" not in text  # nothing a student does not have
